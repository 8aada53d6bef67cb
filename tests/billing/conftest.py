"""Fixtures for billing's tests: a payable, signed webhook deliveries, and Stripe out of reach."""

import hashlib
import hmac
import json
import time
import uuid

import pytest

from billing.factories import ChargeFactory
from tests.billing_testapp.models import Invoice

WEBHOOK_SECRET = "whsec_test_sandbox"


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header exactly as Stripe makes it: t=<ts>,v1=<hex HMAC-SHA256 of "t.body">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def make_event(event_type: str, data_object: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": data_object},
    }


@pytest.fixture
def post_event(client):
    """Posts an event to the webhook, signed with the test secret unless told otherwise."""

    def post(event, *, signature=None, body=None, timestamp=None, secret=WEBHOOK_SECRET):
        raw = body if body is not None else json.dumps(event).encode()
        header = signature if signature is not None else sign(raw, secret=secret, timestamp=timestamp)
        headers = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
        return client.post("/billing/webhook/", data=raw, content_type="application/json", **headers)

    return post


@pytest.fixture
def stripe_offline(settings):
    """Stripe out of reach (a closed local port): any call fails at once as a connection error."""
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_REQUEST_TIMEOUT = 2
    return settings


@pytest.fixture
def invoice(user):
    return Invoice.objects.create(owner=user, title="Consulting", amount=2500, currency="usd")


@pytest.fixture
def pending_charge(invoice, user):
    """A Checkout charge waiting for Stripe, as charge_start_checkout leaves it."""
    return ChargeFactory(
        payable=invoice,
        user=user,
        amount=invoice.amount,
        description="Invoice: Consulting",
        stripe_checkout_session_id="cs_test_pending",
        success_url="/invoices/thanks/",
    )


def session_object(charge, *, payment_status="paid", status="complete", payment_intent="pi_test_1"):
    return {
        "id": charge.stripe_checkout_session_id,
        "object": "checkout.session",
        "amount_total": charge.amount,
        "currency": charge.currency,
        "client_reference_id": str(charge.reference),
        "metadata": {"charge_id": str(charge.pk), "charge_reference": str(charge.reference)},
        "payment_intent": payment_intent,
        "payment_status": payment_status,
        "status": status,
    }
