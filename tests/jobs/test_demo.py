import io

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from billing.models import Charge
from jobs import demo
from jobs.models import JobIndexPage, JobPage

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(JobPage.objects.values_list("slug", "title", "paid", "paid_until", "last_paid_at", "live")),
        sorted(Charge.objects.values_list("object_id", "status", "amount", "paid_at")),
    )


def test_seed_creates_the_board_a_poster_and_a_dozen_listings(home_page, client):
    out = io.StringIO()
    demo.seed(out)

    index = JobIndexPage.objects.get()
    assert index.url == "/jobs/" and index.live
    poster = authenticate(username="poster", password="poster-demo-pass")
    assert poster is not None
    assert poster.has_perm("jobs.post_job")
    assert list(poster.groups.values_list("name", flat=True)) == ["Job posters"]
    assert "poster     / poster-demo-pass" in out.getvalue()

    jobs = JobPage.objects.child_of(index).live()
    now = timezone.now()
    assert jobs.count() >= 12
    assert all(job.owner_id == poster.pk for job in jobs)
    on_board = JobPage.objects.on_board(now)
    assert on_board.count() >= 8
    assert jobs.filter(paid_until__isnull=True).count() >= 3
    assert jobs.filter(paid_until__lte=now).count() == 1
    # Every paid listing is paid by a succeeded charge in billing's ledger.
    for job in on_board:
        assert Charge.objects.for_object(job).filter(status=Charge.Status.SUCCEEDED).exists()
    assert client.get("/jobs/").status_code == 200
    assert len(client.get("/jobs/").context["listing"].jobs) == on_board.count()


def test_seed_twice_changes_nothing(home_page):
    demo.seed(io.StringIO())
    before = _state()

    out = io.StringIO()
    demo.seed(out)

    assert _state() == before
    assert "0 listings created" in out.getvalue()
    assert "(already there)" in out.getvalue()
