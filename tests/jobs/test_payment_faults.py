"""Stripe down or too slow when a poster pays for a listing, on PostgreSQL: a clear answer in bounded time, nothing
paid, the listing exactly as it was."""

import time

import pytest

from billing import tokens
from billing.models import Charge
from billing.services import cards
from jobs.models import JobPage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ANSWER_WITHIN_SECONDS = 15


@pytest.fixture
def short_stripe_timeout(settings):
    settings.STRIPE_REQUEST_TIMEOUT = 1
    settings.STRIPE_MAX_NETWORK_RETRIES = 1


def listing_state(page: JobPage) -> tuple:
    page = JobPage.objects.get(pk=page.pk)
    return (page.title, page.live, page.paid_until, page.last_paid_at, page.revisions.count())


def pay_timed(client, page, data):
    started = time.monotonic()
    response = client.post(tokens.payment_url(page), data)
    return response, time.monotonic() - started


@pytest.mark.parametrize("fault", ["stopped", "slow"])
def test_paying_for_a_listing_with_stripe_stopped_or_slow_answers_in_time_and_changes_nothing(
    stripe_sandbox, short_stripe_timeout, poster_client, job, fault
):
    before = listing_state(job)
    failing = stripe_sandbox.unreachable() if fault == "stopped" else stripe_sandbox.slow(4)

    with failing:
        response, seconds = pay_timed(poster_client, job, {"action": "checkout"})

    assert seconds < ANSWER_WITHIN_SECONDS
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "nothing was charged" in text
    assert not Charge.objects.filter(status=Charge.Status.SUCCEEDED).exists()
    assert listing_state(job) == before
    assert not JobPage.objects.get(pk=job.pk).is_on_board()


def test_bumping_with_a_saved_card_while_stripe_is_stopped_answers_in_time_and_keeps_the_paid_week(
    stripe_sandbox, short_stripe_timeout, poster_client, poster, job
):
    assert poster_client.post(tokens.payment_url(job), {"action": "checkout"}).status_code == 303
    first = Charge.objects.for_object(job).get()
    stripe_sandbox.pay_checkout_session(first.stripe_checkout_session_id, save_card=True)
    stripe_sandbox.deliver_events(poster_client)
    (card,) = cards.card_list(user=poster)
    before = listing_state(job)
    assert JobPage.objects.get(pk=job.pk).is_on_board()

    with stripe_sandbox.unreachable():
        response, seconds = pay_timed(poster_client, job, {"action": "saved_card", "payment_method": card.id})

    assert seconds < ANSWER_WITHIN_SECONDS
    assert response.status_code == 200
    assert "nothing was charged" in response.content.decode()
    assert Charge.objects.filter(status=Charge.Status.SUCCEEDED).count() == 1
    assert listing_state(job) == before
