"""Stripe webhook events: stored in the inbox first, then handled by type, each handler idempotent.

The inbox row is the record of what arrived and what became of it: `started_at` when an attempt begins,
`processed_at` once handled, `error` (with the traceback) when a handler failed, so Stripe's redelivery (or an
admin's replay) tries again, and `rejected_at` with `rejection` for an event that can never be handled as sent
(staff are told; Stripe hears 2xx, since sending it again would change nothing). An attempt that began long ago
and never finished (a worker killed mid-way) is taken up again by a redelivery or the reconciliation schedule.
"""

import logging
import traceback

from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from billing import stripe_client
from billing.models import WebhookEvent
from billing.services import cards, refunds, settlement
from billing.services.charges import PaymentMismatch

logger = logging.getLogger(__name__)


def _session_paid(session: dict) -> None:
    charge = settlement.charge_settle_checkout_session(session=session)
    if charge is not None and charge.is_paid and charge.user_id:
        # A card saved again at this Checkout replaces its older save (cards are matched by fingerprint).
        cards.cards_remove_duplicates(user=charge.user)


def _session_payment_failed(session: dict) -> None:
    settlement.charge_fail_checkout_session(session=session)


def _session_expired(session: dict) -> None:
    settlement.charge_expire_checkout_session(session=session)


def _payment_intent_succeeded(intent: dict) -> None:
    settlement.charge_settle_payment_intent(intent=intent)


def _payment_intent_failed(intent: dict) -> None:
    settlement.charge_record_payment_failure(intent=intent)


def _charge_refunded(stripe_charge: dict) -> None:
    refunds.charge_apply_refund(stripe_charge=stripe_charge)


def _charge_dispute_created(dispute: dict) -> None:
    refunds.charge_apply_dispute(dispute=dispute)


def _charge_dispute_closed(dispute: dict) -> None:
    refunds.charge_apply_dispute_closed(dispute=dispute)


def _charge_dispute_funds_reinstated(dispute: dict) -> None:
    refunds.charge_apply_dispute_funds_reinstated(dispute=dispute)


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_payment_failed,
    "checkout.session.expired": _session_expired,
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _charge_dispute_created,
    "charge.dispute.closed": _charge_dispute_closed,
    "charge.dispute.funds_reinstated": _charge_dispute_funds_reinstated,
}


def _retryable() -> Q:
    """Rows a new attempt may take: failed ones, and ones whose attempt began too long ago to be still running."""
    stale = timezone.now() - settings.BILLING_WEBHOOK_STUCK_AFTER
    unfinished = Q(error="") & (
        Q(started_at__lt=stale) | Q(started_at__isnull=True, received_at__lt=stale)  # rows older than started_at
    )
    return Q(processed_at__isnull=True, rejected_at__isnull=True) & (~Q(error="") | unfinished)


def webhook_event_record(*, event: dict) -> tuple[WebhookEvent, bool]:
    """Stores a verified event, its first attempt begun; (row, False) when this event id was already stored.

    Two deliveries of one event at once both try the insert; the unique constraint lets one win.
    """
    try:
        with transaction.atomic():
            inbox = WebhookEvent.objects.create(
                stripe_event_id=event["id"],
                type=str(event["type"])[:255],
                livemode=bool(event.get("livemode")),
                payload=event,
                started_at=timezone.now(),
                attempts=1,
            )
        return inbox, True
    except IntegrityError:
        return WebhookEvent.objects.get(stripe_event_id=event["id"]), False


def _claim_retry(inbox: WebhookEvent) -> bool:
    """A redelivery of an event that failed or stuck before: claim it, so only one delivery retries."""
    return bool(
        WebhookEvent.objects.filter(_retryable(), pk=inbox.pk).update(
            error="", started_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def webhook_event_reject(*, inbox: WebhookEvent, reason: str) -> None:
    """Records, once, that the event can never be handled as sent, and tells staff by e-mail."""
    rejected = WebhookEvent.objects.filter(pk=inbox.pk, rejected_at__isnull=True).update(
        rejected_at=timezone.now(), rejection=reason[:10_000], error=""
    )
    if not rejected:
        return
    logger.error("Webhook %s (%s) rejected: %s", inbox.stripe_event_id, inbox.type, reason)
    mail_admins(
        f"Stripe event {inbox.stripe_event_id} rejected",
        f"The {inbox.type} event {inbox.stripe_event_id} was recorded but not acted on:\n\n{reason}\n\n"
        "It is listed under Billing → Webhook events. The hourly reconciliation reads the payment from Stripe "
        "itself; anything it cannot settle needs a person.",
        fail_silently=True,
    )


def webhook_event_process(*, inbox: WebhookEvent) -> str:
    """Runs the handler for the event's type; records success, a rejection, or the error (then re-raises it).

    Returns "processed", "ignored" (a type we do not handle) or "rejected".
    """
    handler = HANDLERS.get(inbox.type)
    if handler is not None:
        data_object = inbox.data_object
        try:
            if data_object is None:
                raise PaymentMismatch(f"The {inbox.type} event carries no object (`data.object` is missing).")
            handler(data_object)
        except PaymentMismatch as mismatch:
            webhook_event_reject(inbox=inbox, reason=str(mismatch))
            return "rejected"
        except Exception as error:
            logger.exception("Webhook %s (%s) failed", inbox.stripe_event_id, inbox.type)
            WebhookEvent.objects.filter(pk=inbox.pk).update(
                error=f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"[:10_000]
            )
            raise
    WebhookEvent.objects.filter(pk=inbox.pk).update(processed_at=timezone.now(), error="")
    return "processed" if handler is not None else "ignored"


def webhook_event_receive(*, event: dict) -> str:
    """Inbox, then handle. Returns what happened: "processed", "duplicate", "ignored" (unknown type),
    "rejected" (recorded, staff told) or "refused" (an event of the other mode than our key's: recorded, not handled).
    """
    inbox, created = webhook_event_record(event=event)
    if bool(event.get("livemode")) != stripe_client.key_is_live():
        mode, key = ("live", "test") if event.get("livemode") else ("test", "live")
        webhook_event_reject(inbox=inbox, reason=f"A {mode}-mode event reached a site configured with a {key} key.")
        return "refused"
    if not created and not _claim_retry(inbox):
        return "duplicate"
    return webhook_event_process(inbox=inbox)


def webhook_event_replay(*, inbox: WebhookEvent) -> None:
    """Runs a stored event again (from the admin); handlers are idempotent, so this is always safe."""
    WebhookEvent.objects.filter(pk=inbox.pk).update(attempts=F("attempts") + 1, started_at=timezone.now())
    webhook_event_process(inbox=inbox)
    inbox.refresh_from_db()


def webhook_events_retry_stuck() -> dict[str, int]:
    """For the reconciliation schedule: takes up events whose attempt began long ago and never finished."""
    counts = {"retried": 0, "failed": 0}
    stuck = WebhookEvent.objects.filter(_retryable(), error="").order_by("received_at")
    for inbox in stuck:
        if not _claim_retry(inbox):
            continue  # a redelivery took it meanwhile
        try:
            webhook_event_process(inbox=inbox)
        except Exception:  # recorded on the row and logged; the next stuck event must still run
            counts["failed"] += 1
        else:
            counts["retried"] += 1
    return counts
