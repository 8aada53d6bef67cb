"""Paying for listings end to end against the offline Stripe sandbox: post, pay, bump, refund, dispute."""

import json
import time
import uuid
from datetime import timedelta

import pytest

from billing import stripe_client
from billing.models import Charge
from billing.services import cards, refunds
from billing.tokens import payment_url
from jobs.factories import record_payment
from jobs.models import JobBoardSettings, JobPage
from stripe_sandbox.signing import stripe_signature_header
from tests.jobs.helpers import payable_named_by

pytestmark = pytest.mark.django_db

LISTING = {
    "title": "Platform engineer",
    "company": "Acme",
    "location": "Berlin, Germany",
    "employment_type": "FULL_TIME",
    "salary_currency": "USD",
    "salary_period": "YEAR",
    "description": "Keep the lights on.",
    "how_to_apply": "https://acme.example.com/apply",
}


def board(client) -> list[str]:
    return [job.title for job in client.get("/jobs/").context["listing"].jobs]


def post_and_pay_with_a_new_card(client, sandbox) -> tuple[JobPage, Charge]:
    response = client.post("/jobs/new/", LISTING)
    job = JobPage.objects.get(title=LISTING["title"])
    assert payable_named_by(response["Location"]) == job
    response = client.post(payment_url(job), {"action": "checkout"})
    assert response.status_code == 303
    charge = Charge.objects.for_object(job).get(status=Charge.Status.PENDING)
    # The poster ticks "save this card", so the bump below can use it.
    sandbox.pay_checkout_session(charge.stripe_checkout_session_id, save_card=True)
    return job, charge


def test_posting_then_paying_through_checkout_puts_the_listing_on_the_board_at_once(
    stripe_sandbox, poster_client, job_index
):
    job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    assert board(poster_client) == []
    assert charge.amount == 4900 and charge.currency == "usd"

    responses = stripe_sandbox.deliver_events(poster_client)

    assert {response.status_code for response in responses} == {200}
    charge.refresh_from_db()
    job.refresh_from_db()
    assert charge.status == Charge.Status.SUCCEEDED
    assert job.paid is True
    assert job.last_paid_at == charge.paid_at
    assert job.paid_until == charge.paid_at + timedelta(days=7)
    assert board(poster_client) == ["Platform engineer"]
    # Back from Checkout, the poster lands on their listings.
    back = poster_client.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})
    assert back["Location"] == "/jobs/mine/"


def test_the_price_is_the_site_setting(stripe_sandbox, poster_client, site, job_index):
    JobBoardSettings.objects.update_or_create(site=site, defaults={"price_amount": 9900, "price_currency": "EUR"})

    _job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)

    assert (charge.amount, charge.currency) == (9900, "eur")


def test_a_listing_is_one_checkout_line_with_no_address(stripe_sandbox, poster_client, job_index):
    _job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)

    client = stripe_client.get_client()
    items = client.v1.checkout.sessions.line_items.list(charge.stripe_checkout_session_id).to_dict()["data"]
    assert [(item["description"], item["quantity"], item["amount_total"]) for item in items] == [
        (charge.description, 1, charge.amount)
    ]
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    assert not session["shipping_address_collection"]
    assert not session["shipping_options"]


def test_bumping_with_the_saved_card_is_a_new_payment_and_tops_the_board(
    stripe_sandbox, poster_client, poster, make_job
):
    job, first = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    stripe_sandbox.deliver_events(poster_client)
    job.refresh_from_db()
    newer = make_job(title="Paid later")
    record_payment(newer, paid_at=job.last_paid_at + timedelta(microseconds=1))
    assert board(poster_client) == ["Paid later", "Platform engineer"]
    [card] = cards.card_list(user=poster)

    response = poster_client.get(f"/jobs/{job.pk}/bump/")
    assert payable_named_by(response["Location"]) == job
    page = poster_client.get(payment_url(job))
    assert "4242" in page.text
    response = poster_client.post(payment_url(job), {"action": "saved_card", "payment_method": card.id})

    assert response.status_code == 302
    assert response["Location"] == "/jobs/mine/"
    charges = Charge.objects.for_object(job).order_by("created_at")
    assert [charge.status for charge in charges] == [Charge.Status.SUCCEEDED, Charge.Status.SUCCEEDED]
    bump = charges.last()
    first.refresh_from_db()
    assert bump.method == Charge.Method.SAVED_CARD
    job.refresh_from_db()
    assert job.last_paid_at == bump.paid_at
    # The bump's week starts when the first one ends: no paid day is lost.
    assert job.paid_until == first.paid_at + timedelta(days=14)
    assert board(poster_client) == ["Platform engineer", "Paid later"]


def test_a_refund_takes_the_listing_off_the_board_at_once(stripe_sandbox, poster_client, job_index):
    job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    stripe_sandbox.deliver_events(poster_client)
    assert board(poster_client) == ["Platform engineer"]

    refunds.charge_refund(charge=Charge.objects.get(pk=charge.pk))

    job.refresh_from_db()
    assert (job.paid, job.paid_until) == (False, None)
    assert board(poster_client) == []
    assert poster_client.get(job.url).status_code == 200  # the poster still sees it, marked unpaid
    stripe_sandbox.deliver_events(poster_client)  # the charge.refunded webhook changes nothing more
    job.refresh_from_db()
    assert job.paid is False


def test_a_partial_refund_also_ends_the_week(stripe_sandbox, poster_client, job_index):
    job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    stripe_sandbox.deliver_events(poster_client)

    refunds.charge_refund(charge=Charge.objects.get(pk=charge.pk), amount=900)

    job.refresh_from_db()
    assert job.paid is False
    assert board(poster_client) == []


def test_a_dispute_takes_the_listing_off_the_board_at_once_and_a_won_one_puts_it_back(
    stripe_sandbox, client, poster_client, job_index
):
    job, charge = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    stripe_sandbox.deliver_events(poster_client)
    charge.refresh_from_db()
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "created": int(time.time()),
        "livemode": False,
        "type": "charge.dispute.created",
        "data": {
            "object": {
                "id": "dp_test_1",
                "object": "dispute",
                "charge": charge.stripe_charge_id,
                "payment_intent": charge.stripe_payment_intent_id,
                "reason": "fraudulent",
            }
        },
    }
    body = json.dumps(event).encode()

    response = client.post(
        "/billing/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature_header(body, stripe_sandbox.webhook_secret),
    )

    assert response.status_code == 200
    charge.refresh_from_db()
    job.refresh_from_db()
    assert charge.status == Charge.Status.DISPUTED
    assert job.paid is False
    assert board(client) == []

    event["id"] = f"evt_{uuid.uuid4().hex[:24]}"
    event["type"] = "charge.dispute.closed"
    event["data"]["object"]["status"] = "won"
    body = json.dumps(event).encode()
    response = client.post(
        "/billing/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature_header(body, stripe_sandbox.webhook_secret),
    )

    assert response.status_code == 200
    job.refresh_from_db()
    assert job.paid is True
    assert board(client) != []


def test_a_listing_paid_twice_at_once_gets_one_week_and_the_second_payment_is_refunded(
    stripe_sandbox, poster_client, job_index, settings, django_capture_on_commit_callbacks
):
    from billing.factories import ChargeFactory
    from billing.services.settlement import charge_settle_payment_intent

    job, first = post_and_pay_with_a_new_card(poster_client, stripe_sandbox)
    # A second payment began (another tab) before the first was confirmed.
    second = ChargeFactory(payable=job, user=first.user, amount=first.amount, method=Charge.Method.SAVED_CARD)
    stripe_sandbox.deliver_events(poster_client)
    first.refresh_from_db()
    intent = {
        "id": "pi_second",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": second.amount,
        "currency": second.currency,
        "metadata": {"charge_reference": str(second.reference)},
    }

    with stripe_sandbox.unreachable(), django_capture_on_commit_callbacks(execute=True):
        charge_settle_payment_intent(intent=intent)

    second.refresh_from_db()
    job.refresh_from_db()
    assert second.auto_refund_reason
    assert job.paid_until == first.paid_at + settings.JOBS_PAID_PERIOD
    job.save_revision().publish()
    job.refresh_from_db()
    assert job.paid_until == first.paid_at + settings.JOBS_PAID_PERIOD
