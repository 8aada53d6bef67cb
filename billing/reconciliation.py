"""Catching what webhooks missed: asks Stripe which Checkout Sessions were paid and fulfils any the ledger lacks.

Webhooks can be lost (an endpoint down for longer than Stripe retries, a secret rotated, a deploy at the wrong
second). Every hour the scheduler lists the sessions Stripe completed lately and hands each one whose charge is
still open to `charge_settle_checkout_session`, the webhook's own exactly-once fulfilment; then it settles
abandoned charges (`charges_close_abandoned`). Stripe is called outside any transaction.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from billing import stripe_client
from billing.models import Charge
from billing.services.charges import PaymentMismatch
from billing.services.housekeeping import charges_close_abandoned
from billing.services.settlement import charge_settle_checkout_session, charges_refund_unusable
from billing.webhooks import webhook_events_retry_stuck

logger = logging.getLogger(__name__)

# A session can stay open this long (Stripe's maximum), so one completed lately may have been created this much earlier.
LONGEST_SESSION = timedelta(hours=24)


def checkout_sessions_reconcile(*, lookback: timedelta | None = None, now: datetime | None = None) -> dict[str, int]:
    """Fulfil every Checkout Session Stripe completed within `lookback` (default BILLING_RECONCILE_LOOKBACK)
    whose charge is not settled here. Returns counts: sessions listed, fulfilled now, already settled, not ours,
    not paid (a delayed bank payment still processing). PaymentError if Stripe cannot be listed.
    """
    lookback = settings.BILLING_RECONCILE_LOOKBACK if lookback is None else lookback
    now = now or timezone.now()
    created_since = int((now - lookback - LONGEST_SESSION).timestamp())
    counts = {"sessions": 0, "fulfilled": 0, "already_settled": 0, "not_ours": 0, "not_paid": 0, "mismatched": 0}
    for session in stripe_client.list_checkout_sessions(status="complete", created_since=created_since):
        counts["sessions"] += 1
        if session.get("payment_status") not in ("paid", "no_payment_required"):
            counts["not_paid"] += 1
            continue
        charge = Charge.objects.filter(stripe_checkout_session_id=session.get("id")).first()
        if charge is not None and charge.status in Charge.SETTLED_STATUSES:
            counts["already_settled"] += 1
            continue
        try:
            settled = charge_settle_checkout_session(session=session)
        except PaymentMismatch as mismatch:
            # Stripe's own record disagrees with the ledger: never paid here; staff see it in the log and the
            # rejected webhook event. The other sessions still settle.
            counts["mismatched"] += 1
            logger.error("Reconciliation left session %s unsettled: %s", session.get("id"), mismatch)
            continue
        if settled is None:
            counts["not_ours"] += 1
        elif settled.status in Charge.SETTLED_STATUSES:
            counts["fulfilled"] += 1
            logger.warning("Reconciliation fulfilled charge %s: its webhook never arrived", settled.reference)
    return counts


def payments_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """The hourly task: webhook events stuck mid-way handled again, missed completed sessions fulfilled,
    abandoned charges settled, and automatic refunds Stripe could not take retried. Counts of each."""
    stuck = webhook_events_retry_stuck()
    found = checkout_sessions_reconcile(now=now)
    abandoned = charges_close_abandoned(now=now)
    refunded = charges_refund_unusable()
    return {
        **found,
        "abandoned_fulfilled": abandoned["fulfilled"],
        "abandoned_canceled": abandoned["canceled"],
        "abandoned_left": abandoned["left"],
        "stuck_events_retried": stuck["retried"],
        "stuck_events_failed": stuck["failed"],
        "unusable_refunded": refunded,
    }
