"""A charge for a payable: its terms read from the payable, its ledger row, the metadata Stripe carries back,
and finding it again from what Stripe sends."""

import logging
import uuid
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from billing import payables
from billing.models import Charge
from billing.money import MoneyError, normalise_currency, to_stripe_amount
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)

# Stripe keeps idempotency keys for 24 hours; a pending charge older than this gets a fresh attempt.
IDEMPOTENCY_WINDOW = timedelta(hours=23)
# A saved-card charge with no payment intent yet is in flight to Stripe for at most this long (timeouts, retries).
IN_FLIGHT = timedelta(minutes=2)


class PaymentMismatch(Exception):
    """What Stripe reports can never settle the charge as it stands (another amount or currency, none at all):
    retrying changes nothing, so the event is recorded as rejected and staff are told."""


def payable_terms(*, user, payable) -> tuple[int, str, str]:
    """The amount, currency and description, read from the payable on the server, or PaymentError.

    `user` None is a guest: the payable decides (`can_be_paid_by(AnonymousUser())`) whether a guest may pay for it.
    """
    if not payables.is_registered(payable):
        raise PaymentError("This cannot be paid for here.", code="not_payable")
    if user is not None and not user.is_authenticated:
        raise PaymentError("This is not yours to pay, or it no longer needs paying.", code="not_payable")
    if not payable.can_be_paid_by(user if user is not None else AnonymousUser()):
        raise PaymentError("This is not yours to pay, or it no longer needs paying.", code="not_payable")
    try:
        currency = normalise_currency(payable.payment_currency())
        amount = to_stripe_amount(payable.payment_amount(), currency)
    except MoneyError as error:
        logger.error("Payable %s has an unusable price: %s", payable, error)
        raise PaymentError("This cannot be paid for right now.", code="invalid_amount") from error
    description = (payable.payment_description() or str(payable))[:255]
    return amount, currency, description


def payable_lines(*, payable, amount: int) -> list:
    """The payable's own Checkout lines when it offers them and they add up to `amount`; else [] (one line)."""
    offer = getattr(payable, "payment_line_items", None)
    lines = list(offer() or []) if callable(offer) else []
    valid = all(
        isinstance(line, payables.PaymentLine)
        and isinstance(line.unit_amount, int)
        and line.unit_amount >= 0
        and isinstance(line.quantity, int)
        and line.quantity >= 1
        and line.name
        for line in lines
    )
    if not lines or not valid or sum(line.unit_amount * line.quantity for line in lines) != amount:
        if lines:
            logger.error("Payable %s offered lines that do not add up to %s; paying it as one line", payable, amount)
        return []
    return lines[:100]  # Stripe's limit for one Checkout Session


def payable_ships(*, payable) -> bool:
    """Whether paying needs an address and a rate, which only Checkout collects (a saved card cannot)."""
    offer = getattr(payable, "payment_shipping", None)
    return callable(offer) and offer() is not None


def payable_shipping(*, payable) -> dict:
    """The payable's shipping terms as stored on the charge ({} when it ships nothing), or PaymentError."""
    offer = getattr(payable, "payment_shipping", None)
    terms = offer() if callable(offer) else None
    if terms is None:
        return {}
    if not terms.countries or not terms.options:
        raise PaymentError("We cannot ship this order anywhere right now, so nothing was charged.", code="no_shipping")
    if any(not isinstance(option.amount, int) or option.amount < 0 for option in terms.options):
        raise PaymentError("This cannot be paid for right now.", code="invalid_amount")
    # Stripe takes at most five shipping options: the cheapest five.
    cheapest = sorted(terms.options, key=lambda option: (option.amount, option.name))[:5]
    return payables.ShippingTerms(countries=list(terms.countries), options=cheapest).as_json()


def charge_metadata(charge: Charge) -> dict:
    return {
        "charge_id": str(charge.pk),
        "charge_reference": str(charge.reference),
        "payable": f"{charge.content_type.app_label}.{charge.content_type.model}:{charge.object_id}",
        "user_id": str(charge.user_id or ""),
    }


def charge_create(*, user, payable, amount, currency, description, method, success_url, cancel_url, **extra) -> Charge:
    return Charge.objects.create(
        user=user,
        payable=payable,
        amount=amount,
        currency=currency,
        description=description,
        method=method,
        success_url=success_url or payable.payment_success_url() or "",
        cancel_url=cancel_url or payable.payment_cancel_url() or "",
        **extra,
    )


def charge_for_stripe_object(obj: dict, *, id_field: str | None = None) -> Charge | None:
    reference = (obj.get("metadata") or {}).get("charge_reference") or obj.get("client_reference_id")
    if reference:
        try:
            uuid.UUID(str(reference))
        except ValueError:
            reference = None
    if reference:
        charge = Charge.objects.filter(reference=reference).first()
        if charge:
            return charge
    if id_field and obj.get("id"):
        return Charge.objects.filter(**{id_field: obj["id"]}).first()
    return None


def another_payment_under_way(charge: Charge) -> bool:
    return (
        Charge.objects.filter(
            content_type_id=charge.content_type_id, object_id=charge.object_id, status=Charge.Status.PENDING
        )
        .exclude(pk=charge.pk)
        .exists()
    )


def payment_under_way(*, payable, excluding: Charge | None = None) -> Charge | None:
    """A saved-card payment for `payable` that Stripe has, or may be just now, taking: its intent exists, or its
    request is still in flight (no answer recorded yet, not even a network failure). A second payment must wait for
    it (a Checkout Session, by contrast, is closed)."""
    now = timezone.now()
    under_way = (
        Charge.objects.for_object(payable)
        .pending()
        .filter(method=Charge.Method.SAVED_CARD, created_at__gt=now - IDEMPOTENCY_WINDOW)
        .filter(Q(stripe_payment_intent_id__isnull=False) | Q(created_at__gt=now - IN_FLIGHT, failure_message=""))
    )
    if excluding is not None:
        under_way = under_way.exclude(pk=excluding.pk)
    return under_way.first()


def payable_lock(payable) -> None:
    """Locks the payable's own row (inside the caller's transaction) so two payments for it start one at a time."""
    type(payable)._default_manager.select_for_update(of=("self",)).filter(pk=payable.pk).first()


PAYMENT_UNDER_WAY_MESSAGE = (
    "A payment for this is already under way. Wait a moment and reload the page: it will show when it is paid."
)


def is_duplicate_payment(charge: Charge) -> bool:
    """Whether another charge paid for the same payable while this one was under way (so it cannot be used)."""
    return (
        Charge.objects.filter(
            content_type_id=charge.content_type_id,
            object_id=charge.object_id,
            status__in=(*Charge.PAID_STATUSES, Charge.Status.DISPUTED),
            paid_at__gte=charge.created_at,
            auto_refund_reason="",
        )
        .exclude(pk=charge.pk)
        .exists()
    )
