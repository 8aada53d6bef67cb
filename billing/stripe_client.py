"""The one module that talks to Stripe.

Everything else in the project calls these functions, receives plain dicts, and sees one exception,
`PaymentError`, whose `message` can be shown to the payer. Settings are read at call time, so tests
(and the offline sandbox) can point the client elsewhere with `override_settings`.

Every create carries an idempotency key chosen by the caller from our own ids, so a retry (by the
library after a network error, or by a person pressing the button again) never makes a second object.
"""

import functools
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

CARD_MESSAGES = {
    "card_declined": "Your card was declined. Try another card.",
    "insufficient_funds": "Your card has insufficient funds. Try another card.",
    "expired_card": "Your card has expired. Try another card.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "incorrect_number": "Your card number is incorrect.",
    "processing_error": "Your card could not be processed. Please try again.",
    "authentication_required": (
        "Your bank needs you to confirm this payment. Pay with Stripe Checkout instead to confirm it."
    ),
}
UNREACHABLE_MESSAGE = (
    "We could not reach our payment provider, so nothing was charged. Please try again in a few minutes."
)
BUSY_MESSAGE = "Our payment provider is busy right now, so nothing was charged. Please try again in a minute."
IN_PROGRESS_MESSAGE = "This payment is already being set up. Please wait a moment and try again."
UNAVAILABLE_MESSAGE = "Payments are unavailable right now, so nothing was charged. Please try again later."


class PaymentError(Exception):
    """A payment step that did not work. `message` is for the payer; `code` is for code and logs.

    `retryable` means the same request may simply be sent again (network trouble, rate limits): Stripe
    may or may not have acted, and the idempotency key makes the retry safe.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "payment_error",
        retryable: bool = False,
        payment_intent_id=None,
        param: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.retryable = retryable
        self.payment_intent_id = payment_intent_id

    def __str__(self):
        return self.message


class WebhookSignatureError(Exception):
    """A webhook body whose signature is missing, wrong or too old, or that is not JSON."""


@dataclass(frozen=True)
class _ClientSettings:
    api_key: str
    api_base: str
    api_version: str
    timeout: float
    max_network_retries: int


def _current_settings() -> _ClientSettings:
    return _ClientSettings(
        api_key=settings.STRIPE_SECRET_KEY,
        api_base=settings.STRIPE_API_BASE or "",
        api_version=settings.STRIPE_API_VERSION,
        timeout=float(settings.STRIPE_REQUEST_TIMEOUT),
        max_network_retries=int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


@functools.lru_cache(maxsize=8)
def _client_for(config: _ClientSettings) -> stripe.StripeClient:
    if not config.api_key:
        raise PaymentError(UNAVAILABLE_MESSAGE, code="not_configured")
    base_addresses = {"api": config.api_base} if config.api_base else None
    return stripe.StripeClient(
        config.api_key,
        stripe_version=config.api_version,
        base_addresses=base_addresses,
        max_network_retries=config.max_network_retries,
        http_client=stripe.RequestsClient(timeout=config.timeout),
    )


def get_client() -> stripe.StripeClient:
    """A client for the settings in force now (cached per distinct settings)."""
    return _client_for(_current_settings())


def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _translate(error: stripe.StripeError, action: str) -> PaymentError:
    """One Stripe error → one PaymentError, and a log line saying what we tried and what Stripe said."""
    request_id = getattr(error, "request_id", None)
    body = error.json_body if isinstance(error.json_body, dict) else {}
    details = body.get("error") or {}
    payment_intent = details.get("payment_intent") or {}
    payment_intent_id = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
    if isinstance(error, stripe.CardError):
        code = details.get("decline_code") if details.get("decline_code") in CARD_MESSAGES else error.code
        code = code or "card_declined"
        logger.info("Stripe %s: card refused (%s) request=%s", action, code, request_id)
        message = CARD_MESSAGES.get(code) or error.user_message or CARD_MESSAGES["card_declined"]
        return PaymentError(message, code=code, payment_intent_id=payment_intent_id)
    if isinstance(error, stripe.APIConnectionError):
        logger.warning("Stripe %s: could not reach Stripe: %s", action, error.user_message or error)
        return PaymentError(UNREACHABLE_MESSAGE, code="unreachable", retryable=True)
    if isinstance(error, stripe.RateLimitError):
        logger.warning("Stripe %s: rate limited request=%s", action, request_id)
        return PaymentError(BUSY_MESSAGE, code="rate_limited", retryable=True)
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        logger.error("Stripe %s: our API key was refused: %s", action, error.user_message or error)
        return PaymentError(UNAVAILABLE_MESSAGE, code="authentication")
    if isinstance(error, stripe.IdempotencyError) and error.http_status == 409:
        logger.warning("Stripe %s: the same request is still running elsewhere", action)
        return PaymentError(IN_PROGRESS_MESSAGE, code="in_progress", retryable=True)
    if isinstance(error, stripe.IdempotencyError):
        logger.error("Stripe %s: idempotency key reused with other parameters: %s", action, error)
        return PaymentError(UNAVAILABLE_MESSAGE, code="idempotency")
    if isinstance(error, stripe.InvalidRequestError):
        logger.error(
            "Stripe %s: request refused (%s, param=%s) request=%s: %s",
            action,
            error.code,
            getattr(error, "param", None),
            request_id,
            error.user_message or error,
        )
        code = "not_found" if error.http_status == 404 else (error.code or "invalid_request")
        return PaymentError(
            "The payment could not be set up, so nothing was charged. Please try again later.",
            code=code,
            payment_intent_id=payment_intent_id,
            param=getattr(error, "param", None) or "",
        )
    logger.error("Stripe %s failed (HTTP %s) request=%s: %s", action, error.http_status, request_id, error)
    return PaymentError(UNAVAILABLE_MESSAGE, code="stripe_error", retryable=(error.http_status or 0) >= 500)


def _call(action: str, func, *args, **kwargs) -> dict:
    try:
        return _as_dict(func(*args, **kwargs))
    except stripe.StripeError as error:
        raise _translate(error, action) from error


def _idempotent(key: str) -> dict:
    if not key:
        raise ValueError("Every create needs an idempotency key.")
    return {"idempotency_key": key}


# --- Customers ------------------------------------------------------------------------------------


def create_customer(*, email: str, name: str, metadata: dict, idempotency_key: str) -> dict:
    params = {"metadata": metadata}
    if email:
        params["email"] = email
    if name:
        params["name"] = name
    return _call(
        "create customer", get_client().v1.customers.create, params=params, options=_idempotent(idempotency_key)
    )


# --- Checkout -------------------------------------------------------------------------------------


def create_checkout_session(*, params: dict, idempotency_key: str) -> dict:
    return _call(
        "create checkout session",
        get_client().v1.checkout.sessions.create,
        params=params,
        options=_idempotent(idempotency_key),
    )


def retrieve_checkout_session(session_id: str) -> dict:
    return _call("retrieve checkout session", get_client().v1.checkout.sessions.retrieve, session_id)


def expire_checkout_session(session_id: str) -> dict:
    return _call("expire checkout session", get_client().v1.checkout.sessions.expire, session_id)


def list_checkout_sessions(*, status: str, created_since: int, page_size: int = 100) -> Iterator[dict]:
    """Checkout Sessions with `status` created at or after `created_since` (Unix time), newest first, every page."""
    params = {"status": status, "created": {"gte": int(created_since)}, "limit": page_size}
    while True:
        page = _call("list checkout sessions", get_client().v1.checkout.sessions.list, params=params)
        sessions = list(page.get("data") or [])
        yield from sessions
        if not page.get("has_more") or not sessions:
            return
        params = {**params, "starting_after": sessions[-1]["id"]}


# --- Payment intents, charges, cards ---------------------------------------------------------------


def create_payment_intent(*, params: dict, idempotency_key: str) -> dict:
    return _call(
        "create payment intent",
        get_client().v1.payment_intents.create,
        params=params,
        options=_idempotent(idempotency_key),
    )


def cancel_payment_intent(payment_intent_id: str) -> dict:
    return _call("cancel payment intent", get_client().v1.payment_intents.cancel, payment_intent_id)


def retrieve_payment_intent(payment_intent_id: str) -> dict:
    return _call("retrieve payment intent", get_client().v1.payment_intents.retrieve, payment_intent_id)


def retrieve_charge(charge_id: str) -> dict:
    return _call("retrieve charge", get_client().v1.charges.retrieve, charge_id)


def list_cards(customer_id: str) -> list[dict]:
    result = _call(
        "list cards",
        get_client().v1.payment_methods.list,
        params={"customer": customer_id, "type": "card", "limit": 100},
    )
    return list(result.get("data") or [])


def retrieve_payment_method(payment_method_id: str) -> dict:
    return _call("retrieve payment method", get_client().v1.payment_methods.retrieve, payment_method_id)


def detach_payment_method(payment_method_id: str) -> dict:
    return _call("detach payment method", get_client().v1.payment_methods.detach, payment_method_id)


# --- Refunds --------------------------------------------------------------------------------------


def create_refund(*, params: dict, idempotency_key: str) -> dict:
    return _call("create refund", get_client().v1.refunds.create, params=params, options=_idempotent(idempotency_key))


# --- Webhooks -------------------------------------------------------------------------------------


def construct_webhook_event(payload: bytes, signature_header: str | None) -> dict:
    """The verified event as a plain JSON dict, or WebhookSignatureError (bad, stale or future signature, not JSON).

    The event is the body's own JSON, not stripe-python's object: that one turns decimal strings
    (`currency_conversion.fx_rate`, `unit_amount_decimal`) into Decimal, which no JSON column can store.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookSignatureError("No webhook secret is configured.")
    if not signature_header:
        raise WebhookSignatureError("The Stripe-Signature header is missing.")
    tolerance = int(settings.STRIPE_WEBHOOK_TOLERANCE)
    try:
        text = payload.decode("utf-8")
        # Checks the signature and refuses timestamps older than the tolerance (not newer ones: see below).
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance=tolerance)
        event = json.loads(text)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(f"Signature verification failed: {error.user_message or error}") from error
    except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        raise WebhookSignatureError("The body is not JSON.") from error
    if _signed_at(signature_header) > time.time() + tolerance:
        # A replay window that starts in the future would let a captured body be posted for as long as it likes.
        raise WebhookSignatureError("Signature verification failed: the timestamp is in the future.")
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not event["id"]
        or not event["type"]
        or len(event["id"]) > 255
    ):
        raise WebhookSignatureError("The body is not a Stripe event.")
    return event


def _signed_at(signature_header: str) -> int:
    """The `t=` of a header that has already been verified (so it is there and is an integer)."""
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            return int(value)
    return 0


def key_is_live() -> bool:
    """Whether the configured secret key is a live-mode one (a restricted `rk_live_` key counts)."""
    return str(settings.STRIPE_SECRET_KEY or "").startswith(("sk_live_", "rk_live_"))
