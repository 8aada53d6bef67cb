"""The board's "Review new listings" setting: new listings (and posters' edits) go to Wagtail's moderation
workflow; a listing can be paid for once approved; /jobs/mine/ says where review stands (jobs.services)."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import WorkflowState

from billing.tokens import payment_url
from jobs.models import JobBoardSettings, JobPage
from tests.jobs.helpers import payable_named_by

pytestmark = pytest.mark.django_db

LISTING = {
    "title": "Data engineer",
    "company": "Acme",
    "location": "Berlin, Germany",
    "employment_type": "FULL_TIME",
    "salary_currency": "USD",
    "salary_period": "YEAR",
    "description": "Pipelines.",
    "how_to_apply": "https://acme.example.com/apply",
}


@pytest.fixture
def review_on(site):
    settings = JobBoardSettings.for_site(site)
    settings.review_new_listings = True
    settings.save()
    return settings


@pytest.fixture
def moderator(db):
    from website.factories import UserFactory

    user = UserFactory(username="mona", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def act(page, user, action, comment=""):
    """What a moderator's Approve / Request changes button does in the admin."""
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state, user, action, comment=comment)


def test_with_review_off_a_new_listing_is_published_by_the_poster_and_goes_to_payment(poster_client, poster, job_index):
    response = poster_client.post("/jobs/new/", LISTING)

    job = JobPage.objects.get()
    assert job.live and not job.workflow_in_progress
    assert payable_named_by(response["Location"]) == job
    assert job.live_revision.user == poster


def test_with_review_on_a_new_listing_waits_unpublished_and_cannot_be_paid(poster_client, job_index, review_on):
    response = poster_client.post("/jobs/new/", LISTING)

    job = JobPage.objects.get()
    assert response["Location"] == "/jobs/mine/"
    assert not job.live and job.workflow_in_progress
    mine = poster_client.get("/jobs/mine/").text
    assert "Awaiting review" in mine and f"/jobs/{job.pk}/pay/" not in mine
    assert "is waiting for an editor" in poster_client.get(f"/jobs/{job.pk}/pay/", follow=True).text
    assert poster_client.get(payment_url(job)).status_code == 404
    assert poster_client.get(f"/jobs/{job.pk}/edit/", follow=True).redirect_chain[-1][0] == "/jobs/mine/"


def test_changes_requested_show_the_editors_comment_and_the_posters_edit_goes_back_to_review(
    poster_client, job_index, review_on, moderator
):
    poster_client.post("/jobs/new/", LISTING)
    job = JobPage.objects.get()

    act(job, moderator, "reject", comment="Please add a salary.")

    mine = poster_client.get("/jobs/mine/").text
    assert "Changes requested" in mine and "Please add a salary." in mine
    response = poster_client.post(f"/jobs/{job.pk}/edit/", {**LISTING, "salary_min": "90000"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.workflow_in_progress and not job.live
    assert job.get_latest_revision_as_object().salary_min == 9000000


def test_once_approved_the_listing_is_live_and_can_be_paid(poster_client, job_index, review_on, moderator):
    poster_client.post("/jobs/new/", LISTING)
    job = JobPage.objects.get()

    act(job, moderator, "approve")

    job.refresh_from_db()
    assert job.live
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_APPROVED
    assert payable_named_by(poster_client.get(f"/jobs/{job.pk}/pay/")["Location"]) == job
    assert f"/jobs/{job.pk}/pay/" in poster_client.get("/jobs/mine/").text


def test_with_review_on_an_edit_of_a_live_listing_goes_to_review_and_the_live_version_stays(
    poster_client, paid_job, review_on
):
    response = poster_client.post(f"/jobs/{paid_job.pk}/edit/", {**LISTING, "title": "Changed title"})

    assert response.status_code == 302
    paid_job.refresh_from_db()
    assert paid_job.live and paid_job.title == "Python developer"
    assert paid_job.workflow_in_progress
    assert paid_job.get_latest_revision_as_object().title == "Changed title"
