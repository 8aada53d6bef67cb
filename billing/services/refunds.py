"""Refunds and disputes: refunding through Stripe, and bringing the ledger in line with what Stripe reports."""

import logging

from django.db import transaction
from django.utils import timezone

from billing import payables, stripe_client
from billing.models import Charge
from billing.money import format_amount
from billing.services.charges import charge_for_stripe_object
from billing.signals import charge_dispute_won, charge_disputed, charge_refunded
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)


class LedgerNotReady(Exception):
    """An event arrived before the one it depends on (a refund before the payment); Stripe should retry."""


def _charge_for_stripe_charge(stripe_charge: dict) -> Charge | None:
    charge = None
    if stripe_charge.get("id"):
        charge = Charge.objects.filter(stripe_charge_id=stripe_charge["id"]).first()
    payment_intent = stripe_charge.get("payment_intent")
    if charge is None and payment_intent:
        pi_id = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
        charge = Charge.objects.filter(stripe_payment_intent_id=pi_id).first()
    return charge or charge_for_stripe_object(stripe_charge)


def charge_apply_refund(*, stripe_charge: dict) -> Charge | None:
    """Brings the ledger in line with Stripe's refunded total for a charge; tells the payable if it grew.

    Stripe's `amount_refunded` is a running total, so replays and out-of-order events change nothing.
    """
    charge = _charge_for_stripe_charge(stripe_charge)
    if charge is None:
        logger.warning("Refund for Stripe charge %s, which is not ours", stripe_charge.get("id"))
        return None
    total = int(stripe_charge.get("amount_refunded") or 0)
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status not in Charge.SETTLED_STATUSES:
            raise LedgerNotReady(f"Charge {charge.reference} was refunded before we recorded its payment.")
        if total <= charge.amount_refunded:
            return charge
        refunded_now = min(total, charge.amount) - charge.amount_refunded
        charge.amount_refunded = min(total, charge.amount)
        charge.refunded_at = timezone.now()
        if not charge.stripe_charge_id and stripe_charge.get("id"):
            charge.stripe_charge_id = stripe_charge["id"]
        if charge.status != Charge.Status.DISPUTED:
            fully = charge.amount_refunded >= charge.amount
            charge.status = Charge.Status.REFUNDED if fully else Charge.Status.PARTIALLY_REFUNDED
        charge.save()
        if not charge.auto_refund_reason:  # the payable never heard of a charge billing refunds by itself
            payables.announce(charge_refunded, charge=charge, amount=refunded_now)
    logger.info("Charge %s refunded %s", charge.reference, format_amount(refunded_now, charge.currency))
    return charge


def _charge_for_dispute(dispute: dict) -> Charge | None:
    stripe_charge = dispute.get("charge")
    charge = _charge_for_stripe_charge(
        {
            "id": stripe_charge.get("id") if isinstance(stripe_charge, dict) else stripe_charge,
            "payment_intent": dispute.get("payment_intent"),
        }
    )
    if charge is None:
        logger.warning("Dispute %s on a charge that is not ours", dispute.get("id"))
    return charge


def _dispute_status(dispute: dict) -> str:
    return str(dispute.get("status") or "")[:32]


def charge_apply_dispute(*, dispute: dict) -> Charge | None:
    """The cardholder opened a dispute: the charge is disputed and its payable told, once."""
    charge = _charge_for_dispute(dispute)
    if charge is None:
        return None
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status not in Charge.SETTLED_STATUSES:
            raise LedgerNotReady(f"Charge {charge.reference} was disputed before we recorded its payment.")
        if charge.status == Charge.Status.DISPUTED or charge.dispute_status in DISPUTE_OVER:
            return charge  # a replay, or a late copy of the opening of a dispute that has already ended
        charge.status = Charge.Status.DISPUTED
        charge.disputed_at = timezone.now()
        charge.dispute_status = _dispute_status(dispute) or "needs_response"
        charge.save()
        payables.announce(charge_disputed, charge=charge)
    logger.warning("Charge %s disputed (%s)", charge.reference, dispute.get("reason") or "no reason given")
    return charge


# Stripe's dispute statuses once it has ended: won and warning_closed leave the money with us; lost does not.
DISPUTE_WON = frozenset({"won", "warning_closed"})
DISPUTE_OVER = DISPUTE_WON | {"lost"}


def _charge_restore_after_dispute(*, charge_id: int, dispute_status: str) -> Charge:
    """The dispute ended in our favour: the charge is paid again (less any refund) and its payable told, once."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status != Charge.Status.DISPUTED:
            if charge.status in Charge.SETTLED_STATUSES and charge.dispute_status not in DISPUTE_OVER:
                charge.dispute_status = dispute_status
                charge.save(update_fields=["dispute_status", "updated_at"])
            return charge
        charge.dispute_status = dispute_status
        if charge.amount_refunded >= charge.amount:
            charge.status = Charge.Status.REFUNDED
        elif charge.amount_refunded:
            charge.status = Charge.Status.PARTIALLY_REFUNDED
        else:
            charge.status = Charge.Status.SUCCEEDED
        charge.save()
        if charge.is_paid:
            payables.announce(charge_dispute_won, charge=charge)
    logger.info("Charge %s: the dispute ended in our favour (%s)", charge.reference, dispute_status)
    return charge


def charge_apply_dispute_closed(*, dispute: dict) -> Charge | None:
    """`charge.dispute.closed`: won (or an inquiry closed) restores the charge and its payable; lost keeps it
    disputed, recorded as lost. Replays change nothing."""
    charge = _charge_for_dispute(dispute)
    if charge is None:
        return None
    status = _dispute_status(dispute)
    if status in DISPUTE_WON:
        return _charge_restore_after_dispute(charge_id=charge.pk, dispute_status=status)
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status not in Charge.SETTLED_STATUSES:
            raise LedgerNotReady(f"Charge {charge.reference}'s dispute closed before we recorded its payment.")
        if charge.dispute_status != status:
            charge.dispute_status = status
            charge.save(update_fields=["dispute_status", "updated_at"])
    if status == "lost":
        logger.warning("Charge %s: the dispute was lost", charge.reference)
    return charge


def charge_apply_dispute_funds_reinstated(*, dispute: dict) -> Charge | None:
    """`charge.dispute.funds_reinstated`: Stripe gave the disputed money back to us, so the dispute was won."""
    charge = _charge_for_dispute(dispute)
    if charge is None:
        return None
    status = _dispute_status(dispute)
    return _charge_restore_after_dispute(charge_id=charge.pk, dispute_status=status if status in DISPUTE_WON else "won")


def charge_refund(*, charge: Charge, amount: int | None = None) -> dict:
    """Refunds `amount` minor units (all that is left when None) through Stripe; never more than is left.

    The ledger follows Stripe's totals: read back at once when Stripe answers, and again from the
    `charge.refunded` webhook. Pressing the button twice with the same amount makes one refund.
    """
    charge.refresh_from_db()
    if charge.status not in Charge.PAID_STATUSES or not charge.stripe_payment_intent_id:
        raise PaymentError("Only a paid charge can be refunded.", code="not_refundable")
    remaining = charge.amount - charge.amount_refunded
    amount = remaining if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PaymentError("A refund must be more than zero.", code="invalid_amount")
    if amount > remaining:
        raise PaymentError(
            f"At most {format_amount(remaining, charge.currency)} is left to refund on this charge.",
            code="over_refund",
        )
    try:
        refund = stripe_client.create_refund(
            params={
                "payment_intent": charge.stripe_payment_intent_id,
                "amount": amount,
                "metadata": {"charge_reference": str(charge.reference)},
            },
            idempotency_key=f"refund:{charge.reference}:{charge.amount_refunded}:{amount}",
        )
    except PaymentError as error:
        if error.retryable or error.code in ("authentication", "not_configured"):
            raise
        raise PaymentError(
            "Stripe refused this refund, so nothing was refunded. It may be more than Stripe has left to refund.",
            code=error.code,
        ) from error
    stripe_charge_id = refund.get("charge")
    if isinstance(stripe_charge_id, dict):
        stripe_charge_id = stripe_charge_id.get("id")
    if stripe_charge_id:
        try:
            charge_apply_refund(stripe_charge=stripe_client.retrieve_charge(stripe_charge_id))
        except PaymentError:
            logger.info("Refund %s made; the ledger will follow the charge.refunded webhook", refund.get("id"))
    return refund
