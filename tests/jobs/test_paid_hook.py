"""The paid hook: whatever saves a JobPage, its paid fields come from billing's ledger, never from a revision."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.test.utils.form_data import rich_text

from billing.factories import ChargeFactory
from billing.models import Charge
from jobs.factories import record_payment
from jobs.models import JobPage
from jobs.services import jobs_end_expired_weeks

pytestmark = pytest.mark.django_db


def stored(page) -> JobPage:
    return JobPage.objects.get(pk=page.pk)


def charge_behind_the_hooks_back(page, **fields):
    """A succeeded charge in the ledger that no hook has told the page about (the stored flag is stale)."""
    return ChargeFactory(
        payable=page,
        amount=4900,
        description="Job listing",
        succeeded=True,
        paid_at=fields.pop("paid_at", timezone.now()),
        **fields,
    )


def test_a_new_listing_is_unpaid(job):
    assert (job.paid, job.paid_until, job.last_paid_at) == (False, None, None)


def test_a_plain_save_reads_the_ledger(job):
    charge = charge_behind_the_hooks_back(job)
    job.title = "Renamed"
    job.save()

    job = stored(job)
    assert job.paid is True
    assert job.last_paid_at == charge.paid_at
    assert job.paid_until == charge.paid_at + timedelta(days=7)


def test_values_set_by_hand_are_overwritten_on_save(job):
    job.paid = True
    job.paid_until = timezone.now() + timedelta(days=365)
    job.last_paid_at = timezone.now()
    job.save()

    assert (stored(job).paid, stored(job).paid_until) == (False, None)


def test_a_save_limited_to_other_fields_still_writes_the_paid_fields(job):
    charge_behind_the_hooks_back(job)
    job.title = "Renamed"
    job.save(update_fields=["title"])

    assert stored(job).paid is True
    assert stored(job).title == "Renamed"


def test_publishing_an_old_revision_saved_while_unpaid_keeps_the_listing_paid(job):
    old_revision = job.save_revision()  # carries paid=False
    record_payment(job)
    assert stored(job).paid is True

    old_revision.publish()

    assert stored(job).paid is True
    assert stored(job).paid_until is not None


def test_publishing_an_old_revision_saved_while_paid_does_not_bring_back_a_refunded_week(paid_job):
    paid_revision = paid_job.save_revision()  # carries paid=True and a paid_until a week ahead
    assert paid_revision.content["paid"] is True
    Charge.objects.for_object(paid_job).update(status=Charge.Status.REFUNDED, amount_refunded=4900)

    PublishPageRevisionAction(paid_revision).execute()

    assert stored(paid_job).paid is False
    assert stored(paid_job).paid_until is None


def test_revision_publish_of_the_latest_draft_reads_the_ledger(job):
    job.title = "Draft title"
    revision = job.save_revision()
    charge_behind_the_hooks_back(job)

    revision.publish()

    assert stored(job).paid is True
    assert stored(job).title == "Draft title"


def test_saving_a_revision_keeps_the_stored_flag_in_step(job):
    charge_behind_the_hooks_back(job)

    job.save_revision()  # saves the page with update_fields

    assert stored(job).paid is True


def test_scheduled_publishing_reads_the_ledger(job):
    job.title = "Goes live later"
    revision = job.save_revision(approved_go_live_at=timezone.now() + timedelta(minutes=5))
    revision.approved_go_live_at = timezone.now() - timedelta(seconds=1)
    revision.save(update_fields=["approved_go_live_at"])
    charge_behind_the_hooks_back(job)

    call_command("publish_scheduled")

    job = stored(job)
    assert job.title == "Goes live later"
    assert job.paid is True


def admin_form_data(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "company": page.company,
        "location": page.location,
        "employment_type": "FULL_TIME",
        "salary_currency": "USD",
        "salary_period": "YEAR",
        "description": rich_text("<p>Edited.</p>"),
        "how_to_apply": "https://example.com/apply",
        "tags": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_an_editor_saving_a_draft_in_the_wagtail_admin_keeps_the_flag_in_step(client, editor, job):
    charge_behind_the_hooks_back(job)
    client.force_login(editor)

    response = client.post(reverse("wagtailadmin_pages:edit", args=[job.pk]), admin_form_data(job, title="Draft"))

    assert response.status_code == 302
    job = stored(job)
    assert job.has_unpublished_changes is True
    assert job.paid is True


def test_publishing_in_the_wagtail_admin_reads_the_ledger_and_ignores_posted_paid_values(client, admin_user, job):
    charge_behind_the_hooks_back(job, status=Charge.Status.REFUNDED, amount_refunded=4900)
    client.force_login(admin_user)
    data = {
        "title": "Edited by an editor",
        "slug": job.slug,
        "company": job.company,
        "location": job.location,
        "employment_type": "FULL_TIME",
        "salary_currency": "USD",
        "salary_period": "YEAR",
        "description": rich_text("<p>Edited.</p>"),
        "how_to_apply": "https://example.com/apply",
        "tags": "",
        "paid": "on",
        "paid_until": "2099-01-01 00:00:00",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }

    response = client.post(reverse("wagtailadmin_pages:edit", args=[job.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    job = stored(job)
    assert job.title == "Edited by an editor"
    assert (job.paid, job.paid_until) == (False, None)


def test_publishing_in_the_wagtail_admin_keeps_a_paid_listing_paid(client, admin_user, paid_job):
    client.force_login(admin_user)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[paid_job.pk]))
    assert response.status_code == 200
    data = {
        "title": "Still paid",
        "slug": paid_job.slug,
        "company": paid_job.company,
        "location": paid_job.location,
        "employment_type": "FULL_TIME",
        "salary_currency": "USD",
        "salary_period": "YEAR",
        "description": rich_text("<p>Edited.</p>"),
        "how_to_apply": "https://example.com/apply",
        "tags": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }

    client.post(reverse("wagtailadmin_pages:edit", args=[paid_job.pk]), data)

    assert stored(paid_job).title == "Still paid"
    assert stored(paid_job).paid is True


def test_the_bulk_publish_action_reads_the_ledger(client, admin_user, job, make_job):
    other = make_job(title="Other listing")
    job.save_revision()
    other.save_revision()
    charge_behind_the_hooks_back(job)
    client.force_login(admin_user)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    response = client.post(f"{url}?id={job.pk}&id={other.pk}", {"include_descendants": ""})

    assert response.status_code == 302
    assert stored(job).paid is True
    assert stored(other).paid is False


def test_the_bulk_unpublish_action_reads_the_ledger(client, admin_user, job):
    charge_behind_the_hooks_back(job)
    client.force_login(admin_user)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "unpublish"])

    response = client.post(f"{url}?id={job.pk}", {"include_descendants": ""})

    assert response.status_code == 302
    assert stored(job).live is False
    assert stored(job).paid is True


def test_the_housekeeping_task_saves_listings_whose_week_has_ended(paid_job, make_job):
    ended = make_job(title="Week ended")
    record_payment(ended, paid_at=timezone.now() - timedelta(days=8))
    JobPage.objects.filter(pk=ended.pk).update(paid=True)  # as it stood during its week
    untouched = make_job(title="Never paid")

    assert jobs_end_expired_weeks() == 1

    assert stored(ended).paid is False
    assert stored(ended).paid_until < timezone.now()
    assert stored(paid_job).paid is True
    assert stored(untouched).paid is False
    assert jobs_end_expired_weeks() == 0


def test_copying_a_paid_listing_makes_an_unpaid_copy(paid_job):
    copy = paid_job.copy(update_attrs={"slug": "copy-of-listing", "title": "Copy"})

    assert stored(copy).paid is False
    assert stored(copy).paid_until is None
    assert stored(paid_job).paid is True


def test_the_housekeeping_command_runs_the_same_service(make_job):
    from io import StringIO

    ended = make_job(title="Week ended")
    record_payment(ended, paid_at=timezone.now() - timedelta(days=8))
    JobPage.objects.filter(pk=ended.pk).update(paid=True)
    out = StringIO()

    call_command("jobs_end_expired_weeks", stdout=out)

    assert out.getvalue().strip() == "1 listing brought in step with the ledger."
    assert stored(ended).paid is False
