"""Weeks add up: each succeeded, unrefunded charge buys one week, starting when the previous one ends or at the
payment, whichever is later; a refund removes exactly its week; the payment page says what a payment buys."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from billing.services.refunds import charge_apply_refund
from billing.tokens import payment_url
from jobs.factories import record_payment
from jobs.models import JobPage
from jobs.services import job_paid_until_after_payment, paid_weeks_end

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 6, 18, 24, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def board_ids(client) -> list[int]:
    return [job.pk for job in client.get("/jobs/").context["listing"].jobs]


def test_paid_weeks_end_stacks_overlapping_weeks_and_restarts_after_a_gap():
    assert paid_weeks_end(paid_times=[], period=WEEK) is None
    assert paid_weeks_end(paid_times=[T0 + timedelta(days=2), T0], period=WEEK) == T0 + 2 * WEEK
    assert paid_weeks_end(paid_times=[T0, T0 + timedelta(days=10)], period=WEEK) == T0 + timedelta(days=17)


def test_two_payments_buy_two_weeks_to_the_second(client, job):
    with time_machine.travel(T0, tick=False):
        record_payment(job, stripe_charge_id="ch_first")
    with time_machine.travel(T0 + timedelta(days=2, hours=3), tick=False):
        record_payment(job, stripe_charge_id="ch_second")

    job.refresh_from_db()
    assert job.paid_until == T0 + 2 * WEEK
    assert job.last_paid_at == T0 + timedelta(days=2, hours=3)
    with time_machine.travel(T0 + 2 * WEEK - timedelta(seconds=1), tick=False):
        assert board_ids(client) == [job.pk]
    with time_machine.travel(T0 + 2 * WEEK, tick=False):
        assert board_ids(client) == []


def test_a_payment_after_the_week_ended_starts_from_the_payment(job):
    with time_machine.travel(T0, tick=False):
        record_payment(job)
    with time_machine.travel(T0 + timedelta(days=9), tick=False):
        record_payment(job)

    job.refresh_from_db()
    assert job.paid_until == T0 + timedelta(days=9) + WEEK


def test_refunding_one_of_two_stacked_charges_removes_exactly_its_week(client, job):
    with time_machine.travel(T0, tick=False):
        record_payment(job, stripe_charge_id="ch_first")
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        record_payment(job, stripe_charge_id="ch_second")
        job.refresh_from_db()
        assert job.paid_until == T0 + 2 * WEEK

        charge_apply_refund(stripe_charge={"id": "ch_first", "amount_refunded": 4900})

    job.refresh_from_db()
    # The second payment's week now starts at its own payment: one week left, not two.
    assert job.paid_until == T0 + timedelta(days=1) + WEEK
    assert JobPage.objects.get(pk=job.pk).paid is True


def test_whatever_saves_the_page_the_stacked_weeks_come_from_the_ledger(job):
    with time_machine.travel(T0, tick=False):
        record_payment(job)
        record_payment(job)
        job.paid_until = T0 + timedelta(days=365)
        job.save_revision().publish()

    assert JobPage.objects.get(pk=job.pk).paid_until == T0 + 2 * WEEK


def test_the_payment_page_says_what_a_bump_buys_before_money_moves(poster_client, job):
    with time_machine.travel(T0, tick=False):
        record_payment(job)
        job.refresh_from_db()
        assert job_paid_until_after_payment(page=job) == T0 + 2 * WEEK

        response = poster_client.get(payment_url(job))

    assert response.status_code == 200
    assert "live until 20 Dec, 18:24" in response.text
    # One confirmation: the saved-card form is a POST behind one button; the GET moved no money.
    assert job.paid_until == T0 + WEEK


def test_the_first_payment_page_says_a_week_from_now(poster_client, job):
    with time_machine.travel(T0, tick=False):
        response = poster_client.get(payment_url(job))

    assert "live until 13 Dec, 18:24" in response.text
