"""The one Stripe client module: settings read at call time, and every Stripe error becomes one PaymentError."""

import logging

import pytest
import stripe

from billing import stripe_client
from billing.stripe_client import PaymentError


def test_client_follows_the_settings_in_force_at_call_time(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"
    first = stripe_client.get_client()
    settings.STRIPE_API_BASE = "http://127.0.0.1:2"
    second = stripe_client.get_client()

    assert first is not second
    assert second._requestor._options.base_addresses["api"] == "http://127.0.0.1:2"
    assert second._requestor._options.stripe_version == settings.STRIPE_API_VERSION
    assert second._requestor._options.max_network_retries == settings.STRIPE_MAX_NETWORK_RETRIES


def test_missing_secret_key_is_a_payment_error_not_a_crash(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(PaymentError) as raised:
        stripe_client.create_customer(email="", name="x", metadata={}, idempotency_key="k")

    assert raised.value.code == "not_configured"


def test_creates_refuse_to_run_without_an_idempotency_key():
    with pytest.raises(ValueError, match="idempotency key"):
        stripe_client.create_refund(params={}, idempotency_key="")


@pytest.mark.parametrize(
    ("error", "code", "retryable", "message"),
    [
        (stripe.APIConnectionError("timed out"), "unreachable", True, "could not reach our payment provider"),
        (stripe.RateLimitError("slow down", http_status=429), "rate_limited", True, "busy right now"),
        (stripe.AuthenticationError("bad key", http_status=401), "authentication", False, "unavailable right now"),
        (stripe.PermissionError("no", http_status=403), "authentication", False, "unavailable right now"),
        (
            stripe.InvalidRequestError("No such customer", "customer", code="resource_missing", http_status=400),
            "resource_missing",
            False,
            "could not be set up",
        ),
        (stripe.CardError("Declined", None, "card_declined", http_status=402), "card_declined", False, "declined"),
        (stripe.CardError("Expired", None, "expired_card", http_status=402), "expired_card", False, "expired"),
        (
            stripe.CardError("Auth", None, "authentication_required", http_status=402),
            "authentication_required",
            False,
            "confirm this payment",
        ),
        (stripe.APIError("boom", http_status=500), "stripe_error", True, "unavailable right now"),
        (stripe.IdempotencyError("in flight", http_status=409), "in_progress", True, "already being set up"),
        (stripe.IdempotencyError("other params", http_status=400), "idempotency", False, "unavailable right now"),
    ],
)
def test_every_stripe_error_becomes_a_clear_payment_error_and_a_log_line(error, code, retryable, message, caplog):
    with caplog.at_level(logging.INFO, logger="billing.stripe_client"):
        translated = stripe_client._translate(error, "create thing")

    assert isinstance(translated, PaymentError)
    assert translated.code == code
    assert translated.retryable is retryable
    assert message in translated.message
    assert any("create thing" in record.getMessage() for record in caplog.records)


def test_decline_code_picks_the_more_precise_message():
    error = stripe.CardError(
        "Declined",
        None,
        "card_declined",
        http_status=402,
        json_body={
            "error": {"code": "card_declined", "decline_code": "insufficient_funds", "payment_intent": {"id": "pi_1"}}
        },
    )

    translated = stripe_client._translate(error, "pay")

    assert translated.code == "insufficient_funds"
    assert "insufficient funds" in translated.message
    assert translated.payment_intent_id == "pi_1"
