"""Settling charges: a confirmed payment is fulfilled exactly once; a failed, abandoned or expired one is closed.

Fulfilment is the one place that locks a charge, and inside that lock it only announces the change to the
payable's app (billing.payables.announce), whose receivers run in the same transaction.
"""

import logging
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing import payables, stripe_client
from billing.models import Charge
from billing.services.charges import another_payment_under_way, charge_for_stripe_object
from billing.signals import charge_canceled, charge_succeeded
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentDetails:
    """What Stripe tells us about a successful payment; any of it may be unknown."""

    payment_intent_id: str = ""
    stripe_charge_id: str = ""
    checkout_session_id: str = ""
    card_brand: str = ""
    card_last4: str = ""
    receipt_url: str = ""
    shipping: "ShippingChoice | None" = None


@dataclass(frozen=True)
class ShippingChoice:
    """The rate and address the payer gave Checkout, checked against what the charge offered."""

    option: str
    amount: int
    address: dict


def charge_fulfil(*, charge_id: int, details: PaymentDetails) -> tuple[Charge, bool]:
    """Marks the charge paid and tells its payable, exactly once, however often and from wherever called.

    The charge row is locked, so of two concurrent callers the second waits and then sees the charge
    settled. The `charge_succeeded` receivers run in the same transaction: if one
    raises, nothing is recorded and the caller (a webhook) fails so Stripe tries again.
    Returns (charge, fulfilled_now).
    """
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status in Charge.SETTLED_STATUSES:
            _fill_missing_details(charge, details)
            return charge, False
        charge.status = Charge.Status.SUCCEEDED
        charge.paid_at = timezone.now()
        charge.failure_message = ""
        _fill_missing_details(charge, details, save=False)
        if details.shipping is not None:
            # The whole sum taken, so refunds and the ledger see what the payer paid.
            charge.amount += details.shipping.amount
            charge.shipping_amount = details.shipping.amount
            charge.shipping_option = details.shipping.option
            charge.shipping_address = details.shipping.address
        charge.save()
        payables.announce(charge_succeeded, charge=charge)
    logger.info("Charge %s paid: %s for %s", charge.reference, charge.display_amount, charge.description)
    return charge, True


def _fill_missing_details(charge: Charge, details: PaymentDetails, *, save: bool = True) -> None:
    changed = []
    for field, value in (
        ("stripe_payment_intent_id", details.payment_intent_id),
        ("stripe_charge_id", details.stripe_charge_id),
        ("stripe_checkout_session_id", details.checkout_session_id),
        ("card_brand", details.card_brand[:32]),
        ("card_last4", details.card_last4[:4]),
        ("receipt_url", details.receipt_url),
    ):
        if value and not getattr(charge, field):
            setattr(charge, field, value)
            changed.append(field)
    if changed and save:
        charge.save(update_fields=[*changed, "updated_at"])


def _details_from_charge_object(stripe_charge: dict) -> dict:
    card = (stripe_charge.get("payment_method_details") or {}).get("card") or {}
    return {
        "stripe_charge_id": stripe_charge.get("id") or "",
        "card_brand": card.get("brand") or "",
        "card_last4": card.get("last4") or "",
        "receipt_url": stripe_charge.get("receipt_url") or "",
    }


def details_from_intent(intent: dict, *, checkout_session_id: str = "") -> PaymentDetails:
    """Card and receipt details for a payment intent; best effort, as fulfilment must not wait on them."""
    found = {"payment_intent_id": intent.get("id") or "", "checkout_session_id": checkout_session_id}
    latest = intent.get("latest_charge")
    try:
        if isinstance(latest, str) and latest:
            latest = stripe_client.retrieve_charge(latest)
        if isinstance(latest, dict):
            found.update(_details_from_charge_object(latest))
        payment_method = intent.get("payment_method")
        if not found.get("card_last4") and isinstance(payment_method, str) and payment_method:
            card = (stripe_client.retrieve_payment_method(payment_method).get("card")) or {}
            found.update(card_brand=card.get("brand") or "", card_last4=card.get("last4") or "")
    except PaymentError as error:
        logger.warning("Card details for %s unavailable for now (%s)", intent.get("id"), error.code)
    return PaymentDetails(**found)


def _details_for_payment_intent_id(payment_intent_id: str, *, checkout_session_id: str = "") -> PaymentDetails:
    try:
        intent = stripe_client.retrieve_payment_intent(payment_intent_id)
    except PaymentError as error:
        logger.warning("Payment intent %s unavailable for now (%s)", payment_intent_id, error.code)
        return PaymentDetails(payment_intent_id=payment_intent_id, checkout_session_id=checkout_session_id)
    return details_from_intent(intent, checkout_session_id=checkout_session_id)


def _check_terms(charge: Charge, *, amount, currency, source: str) -> None:
    if amount is None:
        return
    if int(amount) != charge.amount or (currency or "").lower() != charge.currency:
        # Amounts come from our server, so a mismatch means something is badly wrong: stop and shout.
        raise ValidationError(
            f"{source} is for {amount} {currency}, but charge {charge.reference} is {charge.amount} {charge.currency}."
        )


ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")


def _session_shipping_details(session: dict) -> dict:
    """Where the session says to ship: `collected_information.shipping_details` (API 2025-03-31 and later), or the
    older top-level `shipping_details`."""
    collected = (session.get("collected_information") or {}).get("shipping_details")
    return collected or session.get("shipping_details") or {}


def _check_session_terms(charge: Charge, session: dict) -> ShippingChoice | None:
    """The session must add up to what we asked: the charge's amount, plus the rate chosen from those offered,
    shipped to a country offered. Anything else means the session was tampered with: ValidationError."""
    reference = f"charge {charge.reference}"
    currency = (session.get("currency") or "").lower()
    if currency and currency != charge.currency:
        raise ValidationError(f"Session is in {currency}, but {reference} is in {charge.currency}.")
    goods = charge.amount - charge.shipping_amount
    total = session.get("amount_total")
    terms = charge.shipping_terms or {}
    if not terms.get("options"):
        if total is not None and int(total) != goods:
            raise ValidationError(f"Session is for {total} {currency}, but {reference} is {goods} {charge.currency}.")
        return None
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return None  # nothing chosen for sure yet
    cost = session.get("shipping_cost") or {}
    chosen_rate = cost.get("shipping_rate")
    chosen_rate = chosen_rate.get("id") if isinstance(chosen_rate, dict) else chosen_rate
    offered_rates = [
        (item.get("shipping_rate") or {}).get("id")
        if isinstance(item.get("shipping_rate"), dict)
        else item.get("shipping_rate")
        for item in session.get("shipping_options") or []
    ]
    if not chosen_rate or chosen_rate not in offered_rates or len(offered_rates) != len(terms["options"]):
        raise ValidationError(f"Session for {reference} has no shipping rate of those we offered.")
    option = terms["options"][offered_rates.index(chosen_rate)]
    shipping = cost.get("amount_total")
    if shipping is None or int(shipping) != option["amount"]:
        raise ValidationError(
            f"Session for {reference} charges {shipping} for shipping at {option['name']}, "
            f"which costs {option['amount']}."
        )
    if total is None or int(total) != goods + option["amount"]:
        raise ValidationError(
            f"Session is for {total} {currency}, but {reference} is {goods} + {option['amount']} shipping."
        )
    details = _session_shipping_details(session)
    address = details.get("address") or {}
    if (address.get("country") or "").upper() not in terms["countries"]:
        raise ValidationError(f"Session for {reference} ships to {address.get('country')!r}, which we do not serve.")
    return ShippingChoice(
        option=option["key"],
        amount=option["amount"],
        address={
            "name": (details.get("name") or "")[:200],
            **{name: (address.get(name) or "")[:200] for name in ADDRESS_FIELDS},
        },
    )


def charge_settle_checkout_session(*, session: dict) -> Charge | None:
    """Fulfils the charge behind a Checkout Session if the session says it is paid; None if not ours."""
    charge = charge_for_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        logger.warning("Checkout session %s names no charge of ours", session.get("id"))
        return None
    shipping = _check_session_terms(charge, session)
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return charge
    payment_intent = session.get("payment_intent")
    payment_intent_id = payment_intent.get("id") if isinstance(payment_intent, dict) else (payment_intent or "")
    if charge.status in Charge.SETTLED_STATUSES and charge.card_last4:
        return charge  # nothing left to learn; no need to ask Stripe again
    details = (
        _details_for_payment_intent_id(payment_intent_id, checkout_session_id=session.get("id") or "")
        if payment_intent_id
        else PaymentDetails(checkout_session_id=session.get("id") or "")
    )
    details = replace(details, shipping=shipping)
    charge, _ = charge_fulfil(charge_id=charge.pk, details=details)
    return charge


def charge_settle_payment_intent(*, intent: dict) -> Charge | None:
    """Fulfils the charge behind a succeeded payment intent; None if not ours."""
    charge = charge_for_stripe_object(intent, id_field="stripe_payment_intent_id")
    if charge is None:
        return None
    if (charge.shipping_terms or {}).get("options"):
        # Only the Checkout Session knows the address and rate: its completion fulfils (and checks) this charge.
        return charge
    _check_terms(charge, amount=intent.get("amount"), currency=intent.get("currency"), source="Payment intent")
    if intent.get("status") != "succeeded":
        return charge
    if charge.status in Charge.SETTLED_STATUSES and charge.card_last4:
        return charge
    charge, _ = charge_fulfil(charge_id=charge.pk, details=details_from_intent(intent))
    return charge


def _announce_canceled(charge: Charge) -> None:
    """`charge_canceled`, unless another payment for the payable is under way
    (a newer Checkout replacing this one): the payable hears only when nothing is left pending."""
    if another_payment_under_way(charge):
        return
    payables.announce(charge_canceled, charge=charge)


def charge_mark_failed(*, charge_id: int, message: str, payment_intent_id: str | None = None) -> Charge:
    """A pending charge whose payment did not go through; the payable hears `charge_canceled`."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status != Charge.Status.PENDING:
            return charge
        charge.status = Charge.Status.FAILED
        charge.failure_message = (message or "")[:500]
        if payment_intent_id and not charge.stripe_payment_intent_id:
            charge.stripe_payment_intent_id = payment_intent_id
        charge.save()
        _announce_canceled(charge)
    return charge


def charge_record_payment_failure(*, intent: dict) -> Charge | None:
    """A payment attempt failed. Checkout lets the payer try another card, so only saved-card charges fail."""
    charge = charge_for_stripe_object(intent, id_field="stripe_payment_intent_id")
    if charge is None or charge.status != Charge.Status.PENDING:
        return charge
    error = intent.get("last_payment_error") or {}
    message = error.get("message") or "The payment was declined."
    if charge.method == Charge.Method.SAVED_CARD:
        return charge_mark_failed(charge_id=charge.pk, message=message, payment_intent_id=intent.get("id"))
    Charge.objects.filter(pk=charge.pk).update(failure_message=message[:500], updated_at=timezone.now())
    charge.refresh_from_db()
    return charge


def charge_mark_canceled(*, charge_id: int, reason: str = "") -> Charge:
    """A pending charge that will never be paid (Checkout expired or abandoned); tells the payable once."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status not in (Charge.Status.PENDING, Charge.Status.FAILED):
            return charge
        was_pending = charge.status == Charge.Status.PENDING
        charge.status = Charge.Status.CANCELED
        charge.canceled_at = timezone.now()
        if reason:
            charge.failure_message = reason[:500]
        charge.save()
        if was_pending:
            _announce_canceled(charge)
    return charge


def charge_fail_checkout_session(*, session: dict) -> Charge | None:
    """A Checkout payment by a slow method (bank debit) failed after the payer left."""
    charge = charge_for_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        return None
    return charge_mark_failed(charge_id=charge.pk, message="The bank did not complete the payment.")


def charge_expire_checkout_session(*, session: dict) -> Charge | None:
    charge = charge_for_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        return None
    return charge_mark_canceled(charge_id=charge.pk, reason="Checkout expired before payment.")
