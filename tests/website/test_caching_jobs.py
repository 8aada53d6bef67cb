"""The job board's cached fragments: a listing leaves /jobs/ the second its paid week ends; a payment shows at once."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(home_page):
    return JobIndexPageFactory(parent=home_page)


def _paid(board, title, paid_at):
    job = JobPageFactory(parent=board, title=title)
    record_payment(job, paid_at=paid_at)
    job.refresh_from_db()
    return job


def test_listing_leaves_the_cached_board_the_second_its_week_ends(client, board):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        early = _paid(board, "Early bird engineer", start - timedelta(days=6))
        _paid(board, "Late owl engineer", start)
        assert "Early bird engineer" in client.get("/jobs/").content.decode()
        assert "Early bird engineer" in client.get("/jobs/").content.decode()

        traveller.move_to(early.paid_until - timedelta(seconds=1))
        assert "Early bird engineer" in client.get("/jobs/").content.decode()

        traveller.move_to(early.paid_until)
        html = client.get("/jobs/").content.decode()
        assert "Early bird engineer" not in html
        assert "Late owl engineer" in html


def test_job_page_is_gone_the_second_its_week_ends_even_when_cached(client, board):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        job = _paid(board, "Short engineer", start - timedelta(days=6, hours=23))
        url = job.get_url()
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200

        traveller.move_to(job.paid_until)

        assert client.get(url).status_code == 404


def test_a_payment_puts_the_listing_on_the_cached_board_at_once(client, board):
    _paid(board, "Existing engineer", timezone.now())
    client.get("/jobs/")

    _paid(board, "Newly paid engineer", timezone.now())

    assert "Newly paid engineer" in client.get("/jobs/").content.decode()


def test_an_unpaid_listing_never_shows_on_the_cached_board(client, board):
    _paid(board, "Paid engineer", timezone.now())
    client.get("/jobs/")

    JobPageFactory(parent=board, title="Unpaid engineer")

    assert "Unpaid engineer" not in client.get("/jobs/").content.decode()


def test_warm_board_and_job_page_cost_the_same_queries_for_2_and_25_listings(client, board):
    def queries(url):
        client.get(url)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    first = _paid(board, "Engineer 0", timezone.now())
    _paid(board, "Engineer 1", timezone.now())
    few = (queries("/jobs/"), queries(first.get_url()))
    for number in range(2, settings.JOBS_PAGE_SIZE + 5):
        _paid(board, f"Engineer {number}", timezone.now())
    many = (queries("/jobs/"), queries(first.get_url()))

    assert few == many
    assert many[0] <= 1
