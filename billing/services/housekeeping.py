"""Housekeeping: settling pending charges whose webhook never came (the scheduler and a command call it)."""

from datetime import datetime, timedelta

from django.utils import timezone

from billing import stripe_client
from billing.models import Charge
from billing.services.charges import IDEMPOTENCY_WINDOW
from billing.services.settlement import charge_mark_canceled, charge_settle_checkout_session
from billing.stripe_client import PaymentError


def charges_close_abandoned(*, now: datetime | None = None) -> dict[str, int]:
    """Settles pending charges Stripe has stopped waiting on, in case their webhook never came.

    Checkout charges past their session's expiry are checked with Stripe: paid ones are fulfilled,
    expired ones canceled, and those Stripe cannot be asked about now are left for the next run.
    Charges that never got a session or a payment intent within Stripe's idempotency window are
    canceled. Safe to run at any time, as often as wanted (the scheduler and a command both call it).
    """
    now = now or timezone.now()
    counts = {"fulfilled": 0, "canceled": 0, "left": 0}
    overdue = Charge.objects.pending().filter(
        method=Charge.Method.CHECKOUT, checkout_expires_at__lt=now - timedelta(minutes=5)
    )
    for charge in overdue.exclude(stripe_checkout_session_id=None):
        try:
            session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
        except PaymentError:
            counts["left"] += 1
            continue
        if session.get("payment_status") in ("paid", "no_payment_required"):
            charge_settle_checkout_session(session=session)
            counts["fulfilled"] += 1
        elif session.get("status") == "expired":
            charge_mark_canceled(charge_id=charge.pk, reason="Checkout expired before payment.")
            counts["canceled"] += 1
        else:
            counts["left"] += 1
    never_started = Charge.objects.pending().filter(
        stripe_checkout_session_id=None, stripe_payment_intent_id=None, created_at__lt=now - IDEMPOTENCY_WINDOW
    )
    for charge in never_started:
        charge_mark_canceled(charge_id=charge.pk, reason="The payment never reached Stripe.")
        counts["canceled"] += 1
    return counts
