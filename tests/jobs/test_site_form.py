"""The poster's site form respects Wagtail: an editor's unpublishing, lock or running workflow is never undone
from the site; the poster's edit is a revision published as the poster through Wagtail's permission checks; rich
text an editor added survives (jobs.services.job_update, jobs.models.JobPagePermissionTester)."""

import pytest
from django.test import Client
from django.urls import reverse

from jobs.forms import JobPostForm
from jobs.models import JobPage

pytestmark = pytest.mark.django_db


def form_data(page) -> dict:
    """The edit form as the poster's browser submits it, unchanged."""
    form = JobPostForm.for_page(page)
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["remote"] = "on" if data["remote"] else ""
    return {key: value for key, value in data.items() if value not in (None, "")}


def board_titles(client) -> list[str]:
    return [job.title for job in client.get("/jobs/").context["listing"].jobs]


def test_a_listing_an_editor_unpublished_stays_down_when_its_poster_saves_the_form_unchanged(
    admin_user, poster_client, paid_job
):
    # The editor unpublishes it in the Wagtail admin.
    editor_client = Client()
    editor_client.force_login(admin_user)
    assert editor_client.post(reverse("wagtailadmin_pages:unpublish", args=[paid_job.pk])).status_code == 302
    data = form_data(paid_job)

    opened = poster_client.get(f"/jobs/{paid_job.pk}/edit/", follow=True)
    saved = poster_client.post(f"/jobs/{paid_job.pk}/edit/", data, follow=True)

    assert "unpublished by an editor" in opened.text and "unpublished by an editor" in saved.text
    paid_job.refresh_from_db()
    assert not paid_job.live
    assert board_titles(Client()) == []
    assert "unpublished by an editor" in poster_client.get(f"/jobs/{paid_job.pk}/bump/", follow=True).text


def test_a_locked_listing_cannot_be_edited_or_paid_from_the_site(poster_client, admin_user, paid_job):
    paid_job.locked, paid_job.locked_by = True, admin_user
    paid_job.save()

    response = poster_client.post(
        f"/jobs/{paid_job.pk}/edit/", {**form_data(paid_job), "title": "Changed"}, follow=True
    )

    assert "locked by an editor" in response.text
    assert JobPage.objects.get(pk=paid_job.pk).title == "Python developer"
    assert "locked by an editor" in poster_client.get(f"/jobs/{paid_job.pk}/pay/", follow=True).text
    assert not paid_job.permissions_for_user(paid_job.owner).can_publish()


def test_a_listing_in_a_workflow_cannot_be_edited_from_the_site(poster_client, admin_user, paid_job):
    paid_job.save_revision(user=admin_user)
    paid_job.get_workflow().start(paid_job, admin_user)

    response = poster_client.post(
        f"/jobs/{paid_job.pk}/edit/", {**form_data(paid_job), "title": "Changed"}, follow=True
    )

    assert "waiting for an editor" in response.text
    assert JobPage.objects.get(pk=paid_job.pk).get_latest_revision_as_object().title == "Python developer"


def test_the_posters_edit_is_a_revision_published_as_the_poster(poster_client, poster, paid_job):
    revisions_before = paid_job.revisions.count()

    response = poster_client.post(
        f"/jobs/{paid_job.pk}/edit/", {**form_data(paid_job), "title": "Senior Python developer"}
    )

    assert response.status_code == 302
    paid_job.refresh_from_db()
    assert paid_job.title == "Senior Python developer" and paid_job.live
    assert paid_job.revisions.count() == revisions_before + 1
    assert paid_job.live_revision.user == poster


def test_posters_may_publish_their_own_listings_only(poster, other_poster, user, paid_job):
    assert paid_job.permissions_for_user(poster).can_publish()
    assert paid_job.permissions_for_user(poster).can_edit()
    assert not paid_job.permissions_for_user(other_poster).can_publish()
    assert not paid_job.permissions_for_user(other_poster).can_edit()
    paid_job.owner = user  # the owner without jobs.post_job
    assert not paid_job.permissions_for_user(user).can_publish()


def test_rich_text_an_editor_added_survives_the_posters_edit(poster_client, paid_job):
    rich = '<h2>What you do</h2><ul><li>Build <b>APIs</b></li></ul><p>See <a href="https://acme.example">us</a>.</p>'
    paid_job.description = rich
    paid_job.save_revision().publish()
    paid_job.refresh_from_db()

    poster_client.post(f"/jobs/{paid_job.pk}/edit/", {**form_data(paid_job), "title": "Renamed"})

    paid_job.refresh_from_db()
    assert paid_job.title == "Renamed"
    assert paid_job.description == rich


def test_a_changed_description_is_the_posters_text(poster_client, paid_job):
    poster_client.post(f"/jobs/{paid_job.pk}/edit/", {**form_data(paid_job), "description": "New words."})

    paid_job.refresh_from_db()
    assert paid_job.description == "<p>New words.</p>"
