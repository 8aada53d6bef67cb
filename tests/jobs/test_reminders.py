"""Renewal reminders: one e-mail N days before a listing's paid week ends, once per paid week, with a signed link to
its payment page that charges nothing on a GET (jobs.reminders, run by the "remind-job-renewals" schedule)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_q.models import Schedule

from billing.models import Charge
from jobs.factories import record_payment
from jobs.models import JobBoardSettings
from jobs.reminders import jobs_send_renewal_reminders
from jobs.tasks import send_renewal_reminders
from tests.jobs.helpers import payable_named_by

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 6, 18, 24, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture
def job_paid_at_t0(job):
    record_payment(job, paid_at=T0)
    job.refresh_from_db()
    return job


def test_the_reminder_is_sent_two_days_before_the_end_and_only_once(job_paid_at_t0, settings):
    with time_machine.travel(T0 + timedelta(days=5) - timedelta(seconds=1), tick=False):
        assert jobs_send_renewal_reminders() == 0
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        assert jobs_send_renewal_reminders() == 1
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        assert send_renewal_reminders() == {"reminders_sent": 0}

    [email] = mail.outbox
    assert email.to == [job_paid_at_t0.owner.email]
    assert "Python developer" in email.subject and "13 Dec, 18:24" in email.subject
    # The link is on the site's real address, not whatever host ran the task.
    assert f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/billing/pay/" in email.body


def test_the_renew_link_opens_the_pay_page_and_a_get_charges_nothing(poster_client, job_paid_at_t0):
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        jobs_send_renewal_reminders()
        [link] = [line.strip() for line in mail.outbox[0].body.splitlines() if "/billing/pay/" in line]
        path = link[link.index("/billing/pay/") :]
        assert payable_named_by(path) == job_paid_at_t0

        response = poster_client.get(path)

    assert response.status_code == 200
    assert "live until 20 Dec, 18:24" in response.text
    assert Charge.objects.for_object(job_paid_at_t0).count() == 1


def test_no_reminder_when_the_poster_turned_them_off(poster_client, job_paid_at_t0):
    response = poster_client.post(f"/jobs/{job_paid_at_t0.pk}/reminders/", {"enabled": "0"})
    assert response.status_code == 302

    with time_machine.travel(T0 + timedelta(days=5, hours=1), tick=False):
        assert jobs_send_renewal_reminders() == 0
    assert not mail.outbox


def test_no_reminder_when_already_renewed(job_paid_at_t0):
    record_payment(job_paid_at_t0, paid_at=T0 + timedelta(days=4))

    with time_machine.travel(T0 + timedelta(days=5, hours=1), tick=False):
        assert jobs_send_renewal_reminders() == 0
    # The renewed week gets its own reminder, two days before it ends.
    with time_machine.travel(T0 + 2 * WEEK - timedelta(days=2), tick=False):
        assert jobs_send_renewal_reminders() == 1
    assert len(mail.outbox) == 1


def test_no_reminder_for_a_closed_or_unpublished_listing(poster_client, job_paid_at_t0, make_job):
    other = make_job(title="Unpublished one")
    record_payment(other, paid_at=T0)
    other.unpublish()
    poster_client.post(f"/jobs/{job_paid_at_t0.pk}/close/")

    with time_machine.travel(T0 + timedelta(days=5, hours=1), tick=False):
        assert jobs_send_renewal_reminders() == 0


def test_the_days_before_are_a_setting(site, job_paid_at_t0):
    settings = JobBoardSettings.for_site(site)
    settings.reminder_days_before = 3
    settings.save()

    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        assert jobs_send_renewal_reminders() == 1


def test_setup_schedules_creates_the_reminder_schedule_once(db):
    call_command("setup_schedules", stdout=None)
    call_command("setup_schedules", stdout=None)

    [schedule] = Schedule.objects.filter(name="remind-job-renewals")
    assert schedule.func == "jobs.tasks.send_renewal_reminders"


def test_the_command_runs_the_same_service(job_paid_at_t0, capsys):
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        call_command("jobs_send_renewal_reminders")

    assert "1 renewal reminder sent." in capsys.readouterr().out
    assert len(mail.outbox) == 1
