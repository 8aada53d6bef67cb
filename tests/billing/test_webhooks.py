"""The webhook endpoint: signatures, the inbox, duplicates, unknown types, handler errors, each event type."""

import json
import threading
import time

import pytest
from django.db import connection

from billing.models import Charge, WebhookEvent
from tests.billing.conftest import make_event, session_object, sign
from tests.billing_testapp.models import Invoice

pytestmark = pytest.mark.django_db


def test_missing_signature_is_refused_and_changes_nothing(post_event, pending_charge):
    response = post_event(make_event("checkout.session.completed", session_object(pending_charge)), signature="")

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def test_signature_made_with_another_secret_is_refused(post_event, pending_charge):
    response = post_event(
        make_event("checkout.session.completed", session_object(pending_charge)), secret="whsec_somebody_else"
    )

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def test_body_altered_after_signing_is_refused(post_event, pending_charge):
    event = make_event("checkout.session.completed", session_object(pending_charge))
    header = sign(json.dumps(event).encode())
    event["data"]["object"]["amount_total"] = 1

    response = post_event(event, signature=header)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_stale_timestamp_beyond_five_minutes_is_refused(post_event, pending_charge):
    event = make_event("checkout.session.completed", session_object(pending_charge))

    response = post_event(event, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_signed_body_that_is_not_json_is_refused(post_event):
    response = post_event(None, body=b"this is not json")

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_signed_json_that_is_not_an_event_is_refused(post_event):
    response = post_event(None, body=b'{"hello": "world"}')

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_get_is_not_allowed(client):
    assert client.get("/billing/webhook/").status_code == 405


def test_checkout_completed_fulfils_the_charge_once_and_tells_the_payable(
    post_event, pending_charge, invoice, stripe_offline
):
    event = make_event("checkout.session.completed", session_object(pending_charge))

    response = post_event(event)

    assert response.status_code == 200
    pending_charge.refresh_from_db()
    invoice.refresh_from_db()
    assert pending_charge.status == Charge.Status.SUCCEEDED
    assert pending_charge.paid_at is not None
    assert pending_charge.stripe_payment_intent_id == "pi_test_1"
    assert invoice.paid is True
    assert invoice.times_paid == 1
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.processed_at is not None
    assert inbox.error == ""


def test_duplicate_event_id_answers_200_and_does_nothing_more(post_event, pending_charge, invoice, stripe_offline):
    event = make_event("checkout.session.completed", session_object(pending_charge))

    first = post_event(event)
    second = post_event(event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate"
    assert WebhookEvent.objects.filter(stripe_event_id=event["id"]).count() == 1
    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_two_different_events_for_one_payment_fulfil_once(post_event, pending_charge, invoice, stripe_offline):
    completed = make_event("checkout.session.completed", session_object(pending_charge))
    intent = make_event(
        "payment_intent.succeeded",
        {
            "id": "pi_test_1",
            "object": "payment_intent",
            "amount": pending_charge.amount,
            "currency": "usd",
            "status": "succeeded",
            "metadata": {"charge_reference": str(pending_charge.reference)},
        },
    )

    assert post_event(intent).status_code == 200
    assert post_event(completed).status_code == 200

    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert Charge.objects.for_object(invoice).succeeded().count() == 1


def test_unknown_event_type_answers_200_and_is_kept(post_event):
    event = make_event("customer.created", {"id": "cus_123", "object": "customer"})

    response = post_event(event)

    assert response.status_code == 200
    assert response.content == b"ignored"
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.processed_at is not None


def test_handler_error_answers_500_keeps_the_error_and_a_redelivery_retries(
    post_event, pending_charge, invoice, stripe_offline
):
    Invoice.objects.filter(pk=invoice.pk).update(fail_on_paid=True)
    event = make_event("checkout.session.completed", session_object(pending_charge))

    response = post_event(event)

    assert response.status_code == 500
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.processed_at is None
    assert "The invoice app is down" in inbox.error
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING  # the failed hook undid the whole fulfilment

    Invoice.objects.filter(pk=invoice.pk).update(fail_on_paid=False)
    retry = post_event(event)

    assert retry.status_code == 200
    inbox.refresh_from_db()
    assert inbox.processed_at is not None
    assert inbox.error == ""
    assert inbox.attempts == 2
    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_session_not_paid_yet_leaves_the_charge_pending(post_event, pending_charge, invoice):
    event = make_event("checkout.session.completed", session_object(pending_charge, payment_status="unpaid"))

    assert post_event(event).status_code == 200

    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def test_async_payment_succeeded_fulfils(post_event, pending_charge, invoice, stripe_offline):
    event = make_event("checkout.session.async_payment_succeeded", session_object(pending_charge))

    assert post_event(event).status_code == 200

    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_session_amount_different_from_the_ledger_is_rejected_not_a_payment(post_event, pending_charge, invoice):
    session = session_object(pending_charge)
    session["amount_total"] = 1

    response = post_event(make_event("checkout.session.completed", session))

    assert response.status_code == 200
    assert response.content == b"rejected"
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def test_checkout_expired_cancels_the_charge_and_tells_the_payable(post_event, pending_charge, invoice):
    event = make_event(
        "checkout.session.expired", session_object(pending_charge, payment_status="unpaid", status="expired")
    )

    assert post_event(event).status_code == 200
    assert post_event(make_event("checkout.session.expired", event["data"]["object"])).status_code == 200

    pending_charge.refresh_from_db()
    invoice.refresh_from_db()
    assert pending_charge.status == Charge.Status.CANCELED
    assert invoice.times_canceled == 1


def test_payment_failed_on_a_saved_card_marks_the_charge_failed(post_event, invoice, user):
    charge = Charge.objects.create(
        user=user,
        payable=invoice,
        amount=2500,
        currency="usd",
        description="x",
        method=Charge.Method.SAVED_CARD,
        stripe_payment_intent_id="pi_failing",
    )
    intent = {
        "id": "pi_failing",
        "object": "payment_intent",
        "amount": 2500,
        "currency": "usd",
        "status": "requires_payment_method",
        "metadata": {"charge_reference": str(charge.reference)},
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }

    assert post_event(make_event("payment_intent.payment_failed", intent)).status_code == 200

    charge.refresh_from_db()
    assert charge.status == Charge.Status.FAILED
    assert charge.failure_message == "Your card was declined."


def test_payment_failed_inside_checkout_keeps_the_charge_open_for_another_card(post_event, pending_charge):
    intent = {
        "id": "pi_in_checkout",
        "object": "payment_intent",
        "amount": pending_charge.amount,
        "currency": "usd",
        "status": "requires_payment_method",
        "metadata": {"charge_reference": str(pending_charge.reference)},
        "last_payment_error": {"message": "Your card was declined."},
    }

    assert post_event(make_event("payment_intent.payment_failed", intent)).status_code == 200

    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def _paid(charge):
    Charge.objects.filter(pk=charge.pk).update(
        status=Charge.Status.SUCCEEDED, stripe_payment_intent_id="pi_paid", stripe_charge_id="ch_paid"
    )
    charge.refresh_from_db()
    return charge


def _stripe_charge(amount_refunded, *, amount=2500):
    return {
        "id": "ch_paid",
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "currency": "usd",
        "payment_intent": "pi_paid",
        "refunded": amount_refunded >= amount,
    }


def test_charge_refunded_partly_then_wholly_follows_stripes_totals(post_event, pending_charge, invoice):
    charge = _paid(pending_charge)

    assert post_event(make_event("charge.refunded", _stripe_charge(1000))).status_code == 200
    charge.refresh_from_db()
    assert (charge.status, charge.amount_refunded) == (Charge.Status.PARTIALLY_REFUNDED, 1000)

    # An older event arriving late changes nothing: totals only grow.
    assert post_event(make_event("charge.refunded", _stripe_charge(500))).status_code == 200
    charge.refresh_from_db()
    assert charge.amount_refunded == 1000

    assert post_event(make_event("charge.refunded", _stripe_charge(2500))).status_code == 200
    charge.refresh_from_db()
    invoice.refresh_from_db()
    assert (charge.status, charge.amount_refunded) == (Charge.Status.REFUNDED, 2500)
    assert invoice.times_refunded == 2
    assert invoice.paid is False
    assert Charge.objects.for_object(invoice).succeeded().count() == 0


def test_refund_before_the_payment_is_recorded_answers_500_so_stripe_retries(post_event, pending_charge):
    Charge.objects.filter(pk=pending_charge.pk).update(stripe_payment_intent_id="pi_paid")

    response = post_event(make_event("charge.refunded", _stripe_charge(2500)))

    assert response.status_code == 500
    pending_charge.refresh_from_db()
    assert pending_charge.amount_refunded == 0


def test_dispute_marks_the_charge_disputed_and_tells_the_payable_once(post_event, pending_charge, invoice):
    _paid(pending_charge)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": "ch_paid",
        "payment_intent": "pi_paid",
        "reason": "fraudulent",
    }

    assert post_event(make_event("charge.dispute.created", dispute)).status_code == 200
    assert post_event(make_event("charge.dispute.created", dispute)).status_code == 200

    pending_charge.refresh_from_db()
    invoice.refresh_from_db()
    assert pending_charge.status == Charge.Status.DISPUTED
    assert invoice.times_disputed == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_fulfil_exactly_once(pending_charge, invoice, stripe_offline):
    from django.test import Client

    event = make_event("checkout.session.completed", session_object(pending_charge))
    body = json.dumps(event).encode()
    header = sign(body)
    different = make_event("checkout.session.completed", session_object(pending_charge))
    other_body = json.dumps(different).encode()
    other_header = sign(other_body)
    barrier = threading.Barrier(6)
    statuses = []

    def deliver(raw, signature):
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                "/billing/webhook/", data=raw, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(body, header)) for _ in range(4)]
    threads += [threading.Thread(target=deliver, args=(other_body, other_header)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 6
    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert WebhookEvent.objects.count() == 2
    assert Charge.objects.get(pk=pending_charge.pk).status == Charge.Status.SUCCEEDED


# --- Hardening (issue 17): decimals, missing amounts, permanent mismatches, clocks, sizes, stuck events ----------


def test_event_with_decimal_fields_is_stored_and_handled(post_event, pending_charge, invoice, stripe_offline):
    """stripe-python turns decimal strings into Decimal; the inbox keeps the JSON as it came instead."""
    session = session_object(pending_charge)
    session["currency_conversion"] = {
        "amount_subtotal": 2300,
        "amount_total": 2300,
        "fx_rate": "0.920123456789",
        "source_currency": "usd",
    }
    event = make_event("checkout.session.completed", session)

    response = post_event(event)

    assert response.status_code == 200
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.payload["data"]["object"]["currency_conversion"]["fx_rate"] == "0.920123456789"
    assert inbox.processed_at is not None
    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_unhandled_event_with_decimal_fields_keeps_a_row(post_event):
    price = {"id": "price_1", "object": "price", "unit_amount_decimal": "1234.5678", "currency": "usd"}
    event = make_event("price.updated", price)

    assert post_event(event).status_code == 200
    assert WebhookEvent.objects.get(stripe_event_id=event["id"]).payload["data"]["object"]["unit_amount_decimal"] == (
        "1234.5678"
    )


def test_a_failure_to_store_is_logged_with_its_traceback(post_event, monkeypatch, caplog):
    from billing import webhooks

    def broken(*, event):
        raise RuntimeError("the database is away")

    monkeypatch.setattr(webhooks, "webhook_event_record", broken)
    event = make_event("checkout.session.completed", {"id": "cs_x", "object": "checkout.session"})

    with caplog.at_level("ERROR", logger="billing"):
        response = post_event(event)

    assert response.status_code == 500
    assert any(record.exc_info and "the database is away" in str(record.exc_info[1]) for record in caplog.records)


def test_paid_session_without_amount_is_not_fulfilled_while_stripe_is_unreachable(
    post_event, pending_charge, invoice, stripe_offline
):
    session = session_object(pending_charge)
    session["amount_total"] = None
    session["currency"] = None
    event = make_event("checkout.session.completed", session)

    response = post_event(event)

    assert response.status_code == 500  # Stripe delivers it again once we can ask what was paid
    pending_charge.refresh_from_db()
    invoice.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING
    assert invoice.times_paid == 0


def test_succeeded_intent_without_amount_is_not_fulfilled(post_event, invoice, user, stripe_offline):
    from billing.factories import ChargeFactory

    charge = ChargeFactory(
        payable=invoice, user=user, amount=2500, method=Charge.Method.SAVED_CARD, stripe_payment_intent_id="pi_noamt"
    )
    intent = {
        "id": "pi_noamt",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": None,
        "currency": None,
        "metadata": {"charge_reference": str(charge.reference)},
    }

    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 500
    charge.refresh_from_db()
    assert charge.status == Charge.Status.PENDING


def test_permanent_mismatch_is_rejected_once_staff_told_and_answered_2xx(
    post_event, pending_charge, invoice, mailoutbox, settings
):
    settings.ADMINS = [("Staff", "staff@example.com")]
    session = session_object(pending_charge)
    session["amount_total"] = 1
    event = make_event("checkout.session.completed", session)

    first = post_event(event)
    second = post_event(event)

    assert first.status_code == 200
    assert second.status_code == 200
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.state == "rejected"
    assert "charge" in inbox.rejection and "2500" in inbox.rejection
    assert inbox.attempts == 1
    assert len(mailoutbox) == 1
    assert event["id"] in mailoutbox[0].body
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


@pytest.mark.parametrize("data", [None, {"object": None}, {}])
def test_handled_type_with_no_data_is_rejected_not_a_500(post_event, data):
    event = make_event("checkout.session.completed", {})
    event["data"] = data

    response = post_event(event)

    assert response.status_code == 200
    assert WebhookEvent.objects.get(stripe_event_id=event["id"]).state == "rejected"


def test_event_from_the_future_beyond_tolerance_is_refused(post_event, pending_charge):
    event = make_event("checkout.session.completed", session_object(pending_charge))

    # Well past the 300 s tolerance, so a slow machine taking a second or two to answer cannot bring it within.
    response = post_event(event, timestamp=int(time.time()) + 600)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_body_over_the_upload_limit_answers_a_short_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"id": "evt_big", "type": "x", "padding": "x" * 2000}).encode()

    response = client.post(
        "/billing/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert len(response.content) < 200


def test_event_whose_livemode_differs_from_the_key_is_refused_and_recorded(post_event, pending_charge, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_abc"
    event = make_event("checkout.session.completed", session_object(pending_charge))
    event["livemode"] = True

    response = post_event(event)

    assert response.status_code == 400
    inbox = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert inbox.state == "rejected"
    assert "live" in inbox.rejection
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def _stuck(event, *, minutes_ago):
    from datetime import timedelta

    from django.utils import timezone

    return WebhookEvent.objects.create(
        stripe_event_id=event["id"],
        type=event["type"],
        payload=event,
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_stuck_event_is_processed_again_on_redelivery(post_event, pending_charge, invoice, stripe_offline):
    event = make_event("checkout.session.completed", session_object(pending_charge))
    _stuck(event, minutes_ago=30)

    response = post_event(event)

    assert response.status_code == 200
    assert response.content == b"processed"
    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert WebhookEvent.objects.get(stripe_event_id=event["id"]).attempts == 2


def test_event_still_being_processed_is_a_duplicate(post_event, pending_charge, invoice, stripe_offline):
    event = make_event("checkout.session.completed", session_object(pending_charge))
    _stuck(event, minutes_ago=0)

    assert post_event(event).content == b"duplicate"
    invoice.refresh_from_db()
    assert invoice.times_paid == 0


def test_stuck_events_are_processed_by_the_reconciliation_schedule(pending_charge, invoice, stripe_offline):
    from billing.webhooks import webhook_events_retry_stuck

    event = make_event("checkout.session.completed", session_object(pending_charge))
    _stuck(event, minutes_ago=30)

    assert webhook_events_retry_stuck() == {"retried": 1, "failed": 0}
    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert WebhookEvent.objects.get(stripe_event_id=event["id"]).processed_at is not None


def _dispute(status, *, dispute_id="dp_1"):
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": 2500,
        "currency": "usd",
        "charge": "ch_paid",
        "payment_intent": "pi_paid",
        "reason": "fraudulent",
        "status": status,
    }


@pytest.mark.parametrize("event_type", ["charge.dispute.closed", "charge.dispute.funds_reinstated"])
def test_a_dispute_won_restores_the_charge_once(post_event, pending_charge, invoice, event_type):
    _paid(pending_charge)
    assert post_event(make_event("charge.dispute.created", _dispute("needs_response"))).status_code == 200
    pending_charge.refresh_from_db()
    assert pending_charge.dispute_status == "needs_response"

    assert post_event(make_event(event_type, _dispute("won"))).status_code == 200
    assert post_event(make_event(event_type, _dispute("won"))).status_code == 200

    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.SUCCEEDED
    assert pending_charge.dispute_status == "won"
    assert Charge.objects.for_object(invoice).succeeded().get() == pending_charge


def test_a_dispute_lost_keeps_the_charge_disputed_and_records_it(post_event, pending_charge, invoice):
    _paid(pending_charge)
    post_event(make_event("charge.dispute.created", _dispute("needs_response")))

    assert post_event(make_event("charge.dispute.closed", _dispute("lost"))).status_code == 200

    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.DISPUTED
    assert pending_charge.dispute_status == "lost"
    # A late copy of the opening event does not reopen it.
    post_event(make_event("charge.dispute.created", _dispute("needs_response")))
    pending_charge.refresh_from_db()
    assert pending_charge.dispute_status == "lost"


def test_a_dispute_won_on_a_partly_refunded_charge_restores_it_as_partly_refunded(post_event, pending_charge):
    _paid(pending_charge)
    Charge.objects.filter(pk=pending_charge.pk).update(amount_refunded=500, status=Charge.Status.PARTIALLY_REFUNDED)
    post_event(make_event("charge.dispute.created", _dispute("needs_response")))

    post_event(make_event("charge.dispute.closed", _dispute("won")))

    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PARTIALLY_REFUNDED
