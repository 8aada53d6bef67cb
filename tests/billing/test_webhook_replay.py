"""Realistic Stripe payloads replayed against /billing/webhook/: every type the endpoint handles and a few it does not.

The payloads in payloads/stripe_events.json are shaped as Stripe's API publishes them (its OpenAPI fixtures): every
field a real delivery carries, decimal strings included (`currency_conversion.fx_rate` on a session paid with
Adaptive Pricing, `unit_amount_decimal` on prices, `amount_decimal` on plans). Each is signed as Stripe signs and
posted; the test checks the answer, the inbox row, and that rows it must not touch are untouched. Runs on SQLite and,
with DATABASE_URL set, on PostgreSQL.
"""

import json
from pathlib import Path

import pytest

from billing.models import Charge, WebhookEvent
from tests.billing.conftest import sign

pytestmark = pytest.mark.django_db

PAYLOADS = json.loads((Path(__file__).parent / "payloads" / "stripe_events.json").read_text())


def _ledger(exclude=None):
    rows = Charge.objects.order_by("pk")
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.values())


@pytest.fixture
def bystander(user):
    """A paid charge, for another invoice, that no payload names: it must come through every replay unchanged."""
    from billing.factories import ChargeFactory
    from tests.billing_testapp.models import Invoice

    return ChargeFactory(
        payable=Invoice.objects.create(owner=user, title="Other work", amount=900, currency="usd", paid=True),
        user=user,
        amount=900,
        succeeded=True,
        stripe_payment_intent_id="pi_bystander",
        stripe_charge_id="ch_bystander",
    )


@pytest.mark.parametrize("case", PAYLOADS, ids=[case["event"]["type"] + ":" + case["event"]["id"] for case in PAYLOADS])
def test_a_realistic_signed_payload_is_answered_stored_and_touches_only_its_own_rows(
    client, case, pending_charge, invoice, user, bystander, stripe_offline
):
    raw = json.dumps(case["event"])
    for placeholder, value in {
        "{session_id}": pending_charge.stripe_checkout_session_id,
        "{charge_reference}": str(pending_charge.reference),
        "{charge_id}": str(pending_charge.pk),
        "{invoice_id}": str(invoice.pk),
        "{user_id}": str(user.pk),
    }.items():
        raw = raw.replace(placeholder, value)
    body = raw.encode()
    before = _ledger(exclude=pending_charge if case.get("ours") else None)
    expected_status, expected_body, expected_state = case["expect"]

    response = client.post(
        "/billing/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )

    assert (response.status_code, response.content.decode()) == (expected_status, expected_body)
    inbox = WebhookEvent.objects.get(stripe_event_id=case["event"]["id"])
    assert inbox.state == expected_state
    assert inbox.payload == json.loads(raw)  # stored as sent, decimal strings and all
    assert _ledger(exclude=pending_charge if case.get("ours") else None) == before
    invoice.refresh_from_db()
    pending_charge.refresh_from_db()
    if case.get("ours") == "fulfils":
        assert pending_charge.status == Charge.Status.SUCCEEDED
        assert invoice.times_paid == 1
    else:
        assert pending_charge.status == Charge.Status.PENDING
        assert invoice.times_paid == 0

    again = client.post(
        "/billing/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )
    assert again.status_code == 200
    assert again.content == b"duplicate"
    assert WebhookEvent.objects.filter(stripe_event_id=case["event"]["id"]).count() == 1
