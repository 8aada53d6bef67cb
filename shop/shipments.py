"""After payment, for orders with goods to send: marking them shipped (carrier, tracking) and delivered, and the
history of each step. The buyer hears of a shipment by e-mail once it is committed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from shop.emails import order_email_send
from shop.models import Order, OrderEvent

validate_tracking_url = URLValidator(schemes=["http", "https"], message="The tracking link must be an http(s) URL.")


class ShipmentError(Exception):
    """A shipping step that cannot be taken; `message` says why. Nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Tracking:
    carrier: str
    tracking_number: str
    tracking_url: str = ""

    def cleaned(self) -> Tracking:
        carrier = (self.carrier or "").strip()
        number = (self.tracking_number or "").strip()
        url = (self.tracking_url or "").strip()
        if not carrier:
            raise ShipmentError("Say which carrier has the parcel.")
        if len(carrier) > 100 or len(number) > 100 or len(url) > 500:
            raise ShipmentError("The carrier, tracking number or link is too long.")
        if url:
            try:
                validate_tracking_url(url)
            except ValidationError:
                raise ShipmentError(f"The tracking link must be an http(s) URL, not {url[:80]!r}.") from None
        return Tracking(carrier=carrier, tracking_number=number, tracking_url=url)


def order_event_record(*, order: Order, status: str, note: str = "", user=None) -> OrderEvent:
    return OrderEvent.objects.create(order=order, status=status, note=(note or "")[:500], user=user)


def _refuse_unless_shippable(order: Order) -> None:
    if not order.requires_shipping:
        raise ShipmentError(f"{order} has nothing to ship: it was complete on payment.")
    if order.status == Order.Status.SHIPPED:
        raise ShipmentError(f"{order} is shipped already.")
    if order.status != Order.Status.PAID:
        raise ShipmentError(f"Only a paid order can be shipped; {order} is {order.get_status_display().lower()}.")


def order_mark_shipped(*, order_id: int, tracking: Tracking, user=None) -> Order:
    """Paid → shipped with its tracking; the buyer is e-mailed once this commits. ShipmentError, with nothing
    changed, for an order that is not paid (unpaid, refunded, shipped already) or a tracking link that is not
    http(s)."""
    tracking = tracking.cleaned()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        _refuse_unless_shippable(order)
        order.status = Order.Status.SHIPPED
        order.carrier = tracking.carrier
        order.tracking_number = tracking.tracking_number
        order.tracking_url = tracking.tracking_url
        order.shipped_at = timezone.now()
        order.save(update_fields=["status", "carrier", "tracking_number", "tracking_url", "shipped_at", "updated_at"])
        note = " ".join(part for part in (tracking.carrier, tracking.tracking_number) if part)
        order_event_record(order=order, status=Order.Status.SHIPPED, note=note, user=user)
        transaction.on_commit(partial(order_email_send, order_id=order.pk, kind="shipped"), robust=True)
    return order


def orders_mark_shipped(*, shipments: dict[int, Tracking], user=None) -> list[Order]:
    """Several orders shipped at once, all or none: the first that cannot be shipped stops the lot (ShipmentError
    naming it) and nothing changes."""
    if not shipments:
        raise ShipmentError("Choose at least one order to mark shipped.")
    cleaned = {order_id: tracking.cleaned() for order_id, tracking in shipments.items()}
    with transaction.atomic():
        return [
            order_mark_shipped(order_id=order_id, tracking=tracking, user=user)
            for order_id, tracking in sorted(cleaned.items())
        ]


def order_mark_delivered(*, order_id: int, user=None) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.SHIPPED:
            status = order.get_status_display().lower()
            raise ShipmentError(f"Only a shipped order can be delivered; {order} is {status}.")
        order.status = Order.Status.DELIVERED
        order.delivered_at = timezone.now()
        order.save(update_fields=["status", "delivered_at", "updated_at"])
        order_event_record(order=order, status=Order.Status.DELIVERED, user=user)
    return order
