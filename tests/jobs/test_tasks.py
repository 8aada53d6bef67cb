"""The hourly task that ends paid weeks: the same service as `manage.py jobs_end_expired_weeks`."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from jobs import tasks
from jobs.factories import record_payment
from jobs.models import JobPage

pytestmark = pytest.mark.django_db


def stored(job):
    return JobPage.objects.get(pk=job.pk)


def test_the_hourly_task_takes_a_listing_off_the_board_when_its_week_ends(client, make_job):
    job = make_job(title="Site reliability engineer")
    paid_at = timezone.now()
    record_payment(job, paid_at=paid_at)
    assert stored(job).paid is True

    with time_machine.travel(paid_at + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert tasks.end_paid_weeks() == {"listings_updated": 0}
    with time_machine.travel(paid_at + timedelta(days=7, minutes=30), tick=False):
        assert tasks.end_paid_weeks() == {"listings_updated": 1}
        assert tasks.end_paid_weeks() == {"listings_updated": 0}
        titles = [listing.title for listing in client.get("/jobs/").context["listing"].jobs]

    assert stored(job).paid is False
    assert titles == []


def test_the_hourly_task_through_django_q_records_its_counts(make_job):
    ended = make_job(title="Week ended")
    record_payment(ended, paid_at=timezone.now() - timedelta(days=8))
    JobPage.objects.filter(pk=ended.pk).update(paid=True)

    async_task("jobs.tasks.end_paid_weeks", group="end-paid-weeks")

    run = Task.objects.get(group="end-paid-weeks")
    assert run.success
    assert run.result == {"listings_updated": 1}
    assert stored(ended).paid is False
