import pytest
from django.contrib.auth.models import Group, Permission

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from website.factories import UserFactory


@pytest.fixture
def job_index(home_page):
    return JobIndexPageFactory(parent=home_page)


@pytest.fixture
def posters_group(db):
    group, _ = Group.objects.get_or_create(name="Job posters")
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    return group


@pytest.fixture
def poster(posters_group):
    user = UserFactory(username="pat")
    user.groups.add(posters_group)
    return user


@pytest.fixture
def other_poster(posters_group):
    user = UserFactory(username="olga")
    user.groups.add(posters_group)
    return user


@pytest.fixture
def make_job(job_index, poster):
    def make(**kwargs):
        kwargs.setdefault("owner", poster)
        return JobPageFactory(parent=job_index, **kwargs)

    return make


@pytest.fixture
def job(make_job):
    return make_job(title="Python developer", company="Acme")


@pytest.fixture
def paid_job(job):
    record_payment(job)
    job.refresh_from_db()
    return job


@pytest.fixture
def poster_client(client, poster):
    client.force_login(poster)
    return client
