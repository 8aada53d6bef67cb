"""/jobs/: only listings with a paid week running, most recently paid first, filters, search, pages, queries."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Charge
from jobs.factories import record_payment
from jobs.models import JobPage
from jobs.selectors import job_board_listing
from jobs.services import job_paid_status, job_refresh_paid_status, jobs_end_expired_weeks

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


def board_titles(client, query="") -> list[str]:
    response = client.get(f"/jobs/{query}")
    assert response.status_code == 200
    return [job.title for job in response.context["listing"].jobs]


def test_only_paid_live_listings_are_on_the_board(client, make_job):
    paid = make_job(title="Paid")
    record_payment(paid)
    make_job(title="Unpaid")
    refunded = make_job(title="Refunded")
    record_payment(refunded, status=Charge.Status.REFUNDED, amount_refunded=4900)
    disputed = make_job(title="Disputed")
    record_payment(disputed, status=Charge.Status.DISPUTED)
    pending = make_job(title="Pending")
    record_payment(pending, status=Charge.Status.PENDING)
    unpublished = make_job(title="Unpublished")
    record_payment(unpublished)
    unpublished.unpublish()

    assert board_titles(client) == ["Paid"]


def test_a_partly_refunded_charge_no_longer_pays_for_the_week(make_job):
    job = make_job()
    record_payment(job, status=Charge.Status.PARTIALLY_REFUNDED, amount_refunded=100)

    assert job_paid_status(page=job).paid is False


def test_most_recently_paid_first(client, make_job):
    now = timezone.now()
    for title, hours_ago in [("Three hours", 3), ("One hour", 1), ("Two hours", 2)]:
        record_payment(make_job(title=title), paid_at=now - timedelta(hours=hours_ago))

    assert board_titles(client) == ["One hour", "Two hours", "Three hours"]


def test_the_week_ends_to_the_second(client, make_job):
    with time_machine.travel(T0, tick=False):
        job = make_job(title="A week")
        record_payment(job, paid_at=T0)
        job.refresh_from_db()
        assert job.paid_until == T0 + timedelta(days=7)
        assert job.last_paid_at == T0

    with time_machine.travel(T0 + timedelta(days=7, seconds=-1), tick=False):
        assert job_paid_status(page=job).paid is True
        assert board_titles(client) == ["A week"]
        assert client.get(job.url).status_code == 200
        assert jobs_end_expired_weeks() == 0

    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        assert job_paid_status(page=job).paid is False
        # The stored flag still says paid until something saves it, but the board asks paid_until.
        assert JobPage.objects.get(pk=job.pk).paid is True
        assert board_titles(client) == []
        assert client.get(job.url).status_code == 404
        assert jobs_end_expired_weeks() == 1
        assert JobPage.objects.get(pk=job.pk).paid is False


def test_the_paid_period_is_a_setting(settings, client, make_job):
    settings.JOBS_PAID_PERIOD = timedelta(days=30)
    with time_machine.travel(T0, tick=False):
        job = make_job(title="A month")
        record_payment(job, paid_at=T0)
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        assert board_titles(client) == ["A month"]
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        assert board_titles(client) == []


def test_a_newer_payment_counts_from_its_own_time(make_job):
    job = make_job()
    record_payment(job, paid_at=T0)
    record_payment(job, paid_at=T0 + timedelta(days=3))

    job.refresh_from_db()
    assert job.last_paid_at == T0 + timedelta(days=3)
    assert job.paid_until == T0 + timedelta(days=10)


def test_refunding_the_latest_charge_falls_back_to_an_earlier_running_week(make_job):
    job = make_job()
    now = timezone.now()
    record_payment(job, paid_at=now - timedelta(days=2))
    latest = record_payment(job, paid_at=now - timedelta(hours=1))
    Charge.objects.filter(pk=latest.pk).update(status=Charge.Status.REFUNDED, amount_refunded=4900)
    job_refresh_paid_status(page=job)

    job.refresh_from_db()
    assert job.paid is True
    assert job.paid_until == now - timedelta(days=2) + timedelta(days=7)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?remote=yes", ["Remote Python"]),
        ("?remote=no", ["Paris intern", "Berlin Go"]),
        ("?location=berl", ["Berlin Go"]),
        ("?employment_type=INTERN", ["Paris intern"]),
        ("?tag=golang", ["Berlin Go"]),
        ("?q=python", ["Remote Python"]),
        ("?q=kubernetes", ["Berlin Go"]),
        ("?remote=no&employment_type=FULL_TIME", ["Berlin Go"]),
        ("?remote=maybe&employment_type=NONSENSE&page=x", ["Paris intern", "Berlin Go", "Remote Python"]),
    ],
)
def test_filters_and_search(client, make_job, query, expected):
    now = timezone.now()
    remote = make_job(title="Remote Python", remote=True, location="Europe")
    remote.tags.add("python")
    remote.save()
    go = make_job(title="Berlin Go", location="Berlin, Germany", description="<p>Kubernetes all day.</p>")
    go.tags.add("golang")
    go.save()
    intern = make_job(title="Paris intern", location="Paris, France", employment_type="INTERN")
    record_payment(remote, paid_at=now - timedelta(hours=3))
    record_payment(go, paid_at=now - timedelta(hours=2))
    record_payment(intern, paid_at=now - timedelta(hours=1))
    unpaid = make_job(title="Unpaid Python", remote=True)
    unpaid.tags.add("python")
    unpaid.save()

    assert board_titles(client, query) == expected


def test_twenty_a_page_and_bad_page_numbers_fall_back(client, make_job):
    now = timezone.now()
    for n in range(23):
        record_payment(make_job(title=f"Job {n:02d}"), paid_at=now - timedelta(minutes=n))

    assert len(board_titles(client)) == 20
    assert board_titles(client, "?page=2") == ["Job 20", "Job 21", "Job 22"]
    assert board_titles(client, "?page=99") == ["Job 20", "Job 21", "Job 22"]
    assert len(board_titles(client, "?page=-1")) == 3
    response = client.get("/jobs/?remote=no")
    assert 'href="?remote=no&amp;page=2"' in response.text


def test_the_listing_rows_come_from_on_board(make_job):
    record_payment(make_job(title="On"))
    listing = job_board_listing(params={})
    assert [job.title for job in listing.jobs] == [job.title for job in JobPage.objects.on_board(timezone.now())]


def _queries_for(client, url):
    client.get(url)  # warms per-process caches (site root paths, content types)
    cache.clear()  # the uncached path: the page cache would answer an anonymous repeat with no query
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill_board(make_job, count):
    now = timezone.now()
    for n in range(count):
        job = make_job(remote=n % 2 == 0, salary_min=5000000, salary_max=6000000)
        job.tags.add("python", f"tag{n}")
        job.save()
        record_payment(job, paid_at=now - timedelta(minutes=n))


@pytest.mark.parametrize("url", ["/jobs/", "/jobs/?remote=yes", "/jobs/?tag=python", "/jobs/?q=developer"])
def test_the_board_costs_the_same_queries_for_3_and_30_listings(client, make_job, url):
    _fill_board(make_job, 3)
    few = _queries_for(client, url)

    _fill_board(make_job, 27)
    many = _queries_for(client, url)

    assert few == many


def test_the_feed_costs_the_same_queries_for_3_and_30_listings(client, make_job):
    _fill_board(make_job, 3)
    few = _queries_for(client, "/jobs/feed/")

    _fill_board(make_job, 27)
    many = _queries_for(client, "/jobs/feed/")

    assert few == many
