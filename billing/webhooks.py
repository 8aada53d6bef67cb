"""Stripe webhook events: stored in the inbox first, then handled by type, each handler idempotent.

The inbox row is the record of what arrived and what became of it: `processed_at` once handled,
`error` (with the traceback) when a handler failed, so Stripe's redelivery (or an admin's replay)
tries again.
"""

import logging
import traceback

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import WebhookEvent
from billing.services import cards, refunds, settlement

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


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_payment_failed,
    "checkout.session.expired": _session_expired,
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _charge_dispute_created,
}


def webhook_event_record(*, event: dict) -> tuple[WebhookEvent, bool]:
    """Stores a verified event; (row, False) when this event id was already stored.

    Two deliveries of one event at once both try the insert; the unique constraint lets one win.
    """
    try:
        with transaction.atomic():
            inbox = WebhookEvent.objects.create(
                stripe_event_id=event["id"],
                type=str(event["type"])[:255],
                livemode=bool(event.get("livemode")),
                payload=event,
            )
        return inbox, True
    except IntegrityError:
        return WebhookEvent.objects.get(stripe_event_id=event["id"]), False


def _claim_retry(inbox: WebhookEvent) -> bool:
    """A redelivery of an event whose handler failed before: claim it, so only one delivery retries."""
    return bool(
        WebhookEvent.objects.filter(pk=inbox.pk, processed_at__isnull=True)
        .exclude(error="")
        .update(error="", attempts=F("attempts") + 1)
    )


def webhook_event_process(*, inbox: WebhookEvent) -> None:
    """Runs the handler for the event's type; records success or the error, then re-raises it."""
    handler = HANDLERS.get(inbox.type)
    if handler is not None:
        try:
            handler(inbox.data_object)
        except Exception as error:
            logger.exception("Webhook %s (%s) failed", inbox.stripe_event_id, inbox.type)
            WebhookEvent.objects.filter(pk=inbox.pk).update(
                error=f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"[:10_000]
            )
            raise
    WebhookEvent.objects.filter(pk=inbox.pk).update(processed_at=timezone.now(), error="")


def webhook_event_receive(*, event: dict) -> str:
    """Inbox, then handle. Returns what happened: "processed", "duplicate" or "ignored" (unknown type)."""
    inbox, created = webhook_event_record(event=event)
    if created:
        WebhookEvent.objects.filter(pk=inbox.pk).update(attempts=F("attempts") + 1)
    elif not _claim_retry(inbox):
        return "duplicate"
    webhook_event_process(inbox=inbox)
    return "processed" if inbox.type in HANDLERS else "ignored"


def webhook_event_replay(*, inbox: WebhookEvent) -> None:
    """Runs a stored event again (from the admin); handlers are idempotent, so this is always safe."""
    WebhookEvent.objects.filter(pk=inbox.pk).update(attempts=F("attempts") + 1)
    webhook_event_process(inbox=inbox)
    inbox.refresh_from_db()
