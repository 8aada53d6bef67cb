"""Settling charges: a confirmed payment is fulfilled exactly once; a failed, abandoned or expired one is closed.

Fulfilment is the one place that locks a charge, and inside that lock it only announces the change to the
payable's app (billing.payables.announce), whose receivers run in the same transaction.
"""

import logging
from dataclasses import dataclass, replace
from functools import partial

from django.db import transaction
from django.utils import timezone

from billing import payables, stripe_client
from billing.models import Charge
from billing.services import refunds
from billing.services.charges import (
    PaymentMismatch,
    another_payment_under_way,
    charge_for_stripe_object,
    is_duplicate_payment,
)
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
    # What Checkout collected from a guest (who has no Stripe customer): passed on to the payable's app.
    payer_email: str = ""
    payer_name: str = ""
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
    raises, nothing is recorded and the caller (a webhook) fails so Stripe tries again. They hear `payer_email`
    and `payer_name` too: what Checkout collected from the payer (empty when unknown).
    Returns (charge, fulfilled_now).

    A charge paid when another charge had already paid for the same payable since this one began (two "Pay"
    clicks, a Checkout and a saved card at once) is of no use to the payable: it is recorded with an
    `auto_refund_reason`, the payable never hears of it, and it is refunded once this transaction commits (the
    reconciliation schedule retries a refund Stripe could not take then).
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
        duplicate = is_duplicate_payment(charge)
        if duplicate:
            charge.auto_refund_reason = "Paid twice: another payment had already paid for this, so it is refunded."
        charge.save()
        if duplicate:
            transaction.on_commit(partial(charge_refund_unusable, charge_id=charge.pk), robust=True)
        else:
            payables.announce(
                charge_succeeded, charge=charge, payer_email=details.payer_email, payer_name=details.payer_name
            )
    if duplicate:
        logger.warning("Charge %s paid for something already paid; refunding it", charge.reference)
        return charge, False
    logger.info("Charge %s paid: %s for %s", charge.reference, charge.display_amount, charge.description)
    return charge, True


def charge_refund_unusable(*, charge_id: int) -> Charge:
    """Refunds in full a charge billing set aside as unusable (`auto_refund_reason`); safe to call again."""
    charge = Charge.objects.get(pk=charge_id)
    if not charge.auto_refund_reason or charge.status not in Charge.PAID_STATUSES:
        return charge
    try:
        refunds.charge_refund(charge=charge)
    except PaymentError as error:
        logger.warning("Automatic refund of charge %s failed for now (%s); it will be retried", charge.reference, error)
    charge.refresh_from_db()
    return charge


def charges_refund_unusable() -> int:
    """For the reconciliation schedule: retries the automatic refunds Stripe could not take at the time."""
    waiting = Charge.objects.filter(status__in=Charge.PAID_STATUSES).exclude(auto_refund_reason="")
    refunded = 0
    for charge_id in waiting.values_list("pk", flat=True):
        refunded += charge_refund_unusable(charge_id=charge_id).status == Charge.Status.REFUNDED
    return refunded


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
    """The amount and currency Stripe reports must be the charge's own; PaymentMismatch otherwise.

    Amounts come from our server, so a difference means something is badly wrong: it is never paid, and as
    retrying cannot change it, the webhook records it as rejected and staff are told.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or not isinstance(currency, str):
        raise PaymentMismatch(
            f"{source} names no usable amount and currency ({amount!r} {currency!r}); "
            f"charge {charge.reference} is {charge.amount} {charge.currency}."
        )
    if amount != charge.amount or currency.lower() != charge.currency:
        raise PaymentMismatch(
            f"{source} is for {amount} {currency}, but charge {charge.reference} is {charge.amount} {charge.currency}."
        )


def _has_terms(obj: dict, amount_field: str) -> bool:
    return obj.get(amount_field) is not None and bool(obj.get("currency"))


ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")


def _session_shipping_details(session: dict) -> dict:
    """Where the session says to ship: `collected_information.shipping_details` (API 2025-03-31 and later), or the
    older top-level `shipping_details`."""
    collected = (session.get("collected_information") or {}).get("shipping_details")
    return collected or session.get("shipping_details") or {}


def _check_session_terms(charge: Charge, session: dict) -> ShippingChoice | None:
    """The session must add up to what we asked: the charge's amount, plus the rate chosen from those offered,
    shipped to a country offered. Anything else means the session was tampered with: PaymentMismatch."""
    terms = charge.shipping_terms or {}
    if not terms.get("options"):
        _check_terms(charge, amount=session.get("amount_total"), currency=session.get("currency"), source="Session")
        return None
    reference = f"charge {charge.reference}"
    currency = (session.get("currency") or "").lower()
    if currency != charge.currency:
        raise PaymentMismatch(f"Session is in {currency or 'no currency'}, but {reference} is in {charge.currency}.")
    goods = charge.amount - charge.shipping_amount
    total = session.get("amount_total")
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
        raise PaymentMismatch(f"Session for {reference} has no shipping rate of those we offered.")
    option = terms["options"][offered_rates.index(chosen_rate)]
    shipping = cost.get("amount_total")
    if shipping is None or int(shipping) != option["amount"]:
        raise PaymentMismatch(
            f"Session for {reference} charges {shipping} for shipping at {option['name']}, "
            f"which costs {option['amount']}."
        )
    if total is None or int(total) != goods + option["amount"]:
        raise PaymentMismatch(
            f"Session is for {total} {currency}, but {reference} is {goods} + {option['amount']} shipping."
        )
    details = _session_shipping_details(session)
    address = details.get("address") or {}
    if (address.get("country") or "").upper() not in terms["countries"]:
        raise PaymentMismatch(f"Session for {reference} ships to {address.get('country')!r}, which we do not serve.")
    return ShippingChoice(
        option=option["key"],
        amount=option["amount"],
        address={
            "name": (details.get("name") or "")[:200],
            **{name: (address.get(name) or "")[:200] for name in ADDRESS_FIELDS},
        },
    )


def charge_settle_checkout_session(*, session: dict) -> Charge | None:
    """Fulfils the charge behind a Checkout Session if the session says it is paid; None if not ours.

    Never without an amount and currency that match the charge: when the event lacks them they are read from
    Stripe (PaymentError, so the webhook fails and Stripe retries, while Stripe cannot be reached).
    """
    charge = charge_for_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        logger.warning("Checkout session %s names no charge of ours", session.get("id"))
        return None
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if paid and not _has_terms(session, "amount_total") and session.get("id"):
        session = stripe_client.retrieve_checkout_session(session["id"])
        paid = session.get("payment_status") in ("paid", "no_payment_required")
    shipping = None
    if paid or _has_terms(session, "amount_total"):
        shipping = _check_session_terms(charge, session)
    if not paid:
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
    payer = session.get("customer_details") or {}
    details = replace(
        details, payer_email=payer.get("email") or "", payer_name=payer.get("name") or "", shipping=shipping
    )
    charge, _ = charge_fulfil(charge_id=charge.pk, details=details)
    return charge


def charge_settle_payment_intent(*, intent: dict) -> Charge | None:
    """Fulfils the charge behind a succeeded payment intent; None if not ours. The amount is checked as for
    sessions, read from Stripe when the event lacks it."""
    charge = charge_for_stripe_object(intent, id_field="stripe_payment_intent_id")
    if charge is None:
        return None
    if (charge.shipping_terms or {}).get("options"):
        # Only the Checkout Session knows the address and rate: its completion fulfils (and checks) this charge.
        return charge
    succeeded = intent.get("status") == "succeeded"
    if succeeded and not _has_terms(intent, "amount") and intent.get("id"):
        intent = stripe_client.retrieve_payment_intent(intent["id"])
        succeeded = intent.get("status") == "succeeded"
    if succeeded or _has_terms(intent, "amount"):
        _check_terms(charge, amount=intent.get("amount"), currency=intent.get("currency"), source="Payment intent")
    if not succeeded:
        return charge
    if charge.status in Charge.SETTLED_STATUSES and charge.card_last4:
        return charge
    if charge.user_id is None and charge.stripe_checkout_session_id and charge.status not in Charge.SETTLED_STATUSES:
        # A guest's payment: only the Checkout Session knows the e-mail address its payable needs, so fulfil
        # through the session (still exactly once; if Stripe cannot be reached, the event is delivered again).
        session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
        return charge_settle_checkout_session(session=session)
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
