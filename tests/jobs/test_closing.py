"""Closing a filled listing from /jobs/mine/, and reopening it while its paid week lasts (jobs.services)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Charge
from billing.tokens import payment_url
from jobs.factories import record_payment

pytestmark = pytest.mark.django_db


def board_titles() -> list[str]:
    """The board as an anonymous visitor sees it."""
    return [job.title for job in Client().get("/jobs/").context["listing"].jobs]


def test_marking_as_filled_takes_the_listing_off_the_board_at_once_without_a_refund(poster_client, paid_job):
    assert board_titles() == ["Python developer"]

    response = poster_client.post(f"/jobs/{paid_job.pk}/close/")

    assert response.status_code == 302
    assert board_titles() == []
    assert Client().get(paid_job.url).status_code == 404
    assert Charge.objects.for_object(paid_job).get().status == Charge.Status.SUCCEEDED
    mine = poster_client.get("/jobs/mine/").text
    assert "Closed" in mine and f"/jobs/{paid_job.pk}/reopen/" in mine
    assert f"/jobs/{paid_job.pk}/bump/" not in mine


def test_a_closed_listing_cannot_be_paid_for(poster_client, paid_job):
    poster_client.post(f"/jobs/{paid_job.pk}/close/")

    assert "is closed" in poster_client.get(f"/jobs/{paid_job.pk}/bump/", follow=True).text
    # Billing's page too: the listing is not payable, so there is no button to press.
    assert "Pay with a" not in poster_client.get(payment_url(paid_job)).text


def test_a_closed_listing_reopens_while_its_paid_week_lasts(poster_client, paid_job):
    poster_client.post(f"/jobs/{paid_job.pk}/close/")

    response = poster_client.post(f"/jobs/{paid_job.pk}/reopen/")

    assert response.status_code == 302
    assert board_titles() == ["Python developer"]


def test_a_closed_listing_whose_week_is_over_stays_closed(poster_client, job):
    record_payment(job, paid_at=timezone.now() - timedelta(days=8))
    poster_client.post(f"/jobs/{job.pk}/close/")

    response = poster_client.post(f"/jobs/{job.pk}/reopen/", follow=True)

    assert "paid week is over" in response.text
    job.refresh_from_db()
    assert job.closed_at is not None


def test_publishing_an_old_revision_does_not_reopen_a_closed_listing(poster_client, paid_job):
    revision = paid_job.save_revision()
    poster_client.post(f"/jobs/{paid_job.pk}/close/")

    revision.publish()

    paid_job.refresh_from_db()
    assert paid_job.closed_at is not None
    assert board_titles() == []


def test_closing_is_a_post_and_only_for_the_listings_poster(client, other_poster, poster_client, paid_job):
    assert poster_client.get(f"/jobs/{paid_job.pk}/close/").status_code == 405
    client.force_login(other_poster)
    assert client.post(f"/jobs/{paid_job.pk}/close/").status_code == 404
    paid_job.refresh_from_db()
    assert paid_job.closed_at is None
