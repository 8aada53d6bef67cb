"""After the payment: a paid order's holds become sales (or the payment is refunded when the stock is gone),
refunds and disputes recorded, staff refunds and restocking.

Locks are taken in shop.holds' order (its docstring says why). Stripe is only called outside any transaction: an
automatic refund runs once the fulfilment has committed.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import Charge
from billing.services.refunds import charge_refund
from billing.stripe_client import PaymentError
from shop.emails import order_email_send
from shop.holds import products_live_held, products_lock
from shop.models import Cart, Order, StockHold
from shop.stock import stock_change

logger = logging.getLogger(__name__)


class OrderActionError(Exception):
    """A staff action on an order that cannot be done; nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def order_fulfil(*, order_id: int, charge: Charge) -> Order:
    """Billing confirmed the payment (exactly once): the holds become sales, or the payment is refunded.

    Runs inside billing's fulfilment transaction. With the products locked, each line must fit in the stock on
    hand minus what other orders hold; this order's own live hold guarantees it, but an expired hold may have
    lost its units to another buyer. If every line fits: stock goes down, the order is paid and the cart
    deleted. If not, nothing is sold: the order awaits an automatic refund, made once the transaction commits.
    """
    order = Order.objects.get(pk=order_id)
    lines = list(order.lines.all())
    # The buyer's cart first (it is deleted below), as checkout locks it first: the same order, no deadlock.
    list(Cart.objects.select_for_update().filter(user_id=order.user_id))
    products = products_lock(line.product_id for line in lines if line.product_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in (Order.Status.PENDING, Order.Status.EXPIRED, Order.Status.CANCELED):
        return order
    held_by_others = products_live_held(products, excluding_order=order)
    short = []
    for line in lines:
        product = products.get(line.product_id)
        available = 0 if product is None else product.stock_on_hand - held_by_others.get(product.pk, 0)
        if available < line.quantity:
            short.append(line.title)
    StockHold.objects.filter(order=order).delete()
    now = timezone.now()
    order.paid_at = now
    if short:
        order.status = Order.Status.REFUND_PENDING
        order.refund_reason = (
            f"{', '.join(short)} sold out before your payment reached us, so we are refunding it in full."
        )[:500]
        order.save(update_fields=["status", "paid_at", "refund_reason", "updated_at"])
        transaction.on_commit(partial(_refund_after_commit, order.pk), robust=True)
        return order
    for line in lines:
        stock_change(product_id=line.product_id, delta=-line.quantity)
    order.status = Order.Status.PAID
    order.closed_at = None
    order.save(update_fields=["status", "paid_at", "closed_at", "updated_at"])
    Cart.objects.filter(user_id=order.user_id).delete()
    transaction.on_commit(partial(order_email_send, order_id=order.pk, kind="paid"), robust=True)
    return order


def _refund_after_commit(order_id: int) -> None:
    order_refund_unfulfillable(order_id=order_id)


def order_refund_unfulfillable(*, order_id: int) -> Order:
    """Refund, through billing, an order that was paid when its stock was gone. Safe to call again."""
    order = Order.objects.get(pk=order_id)
    if order.status != Order.Status.REFUND_PENDING:
        return order
    charge = Charge.objects.for_object(order).succeeded().order_by("-paid_at").first()
    if charge is None:
        logger.error("%s awaits a refund but has no paid charge", order)
        return order
    try:
        charge_refund(charge=charge)
    except PaymentError as error:
        logger.warning("Refund of %s failed for now (%s); orders_retry_pending_refunds will retry", order, error)
    order.refresh_from_db()
    return order


def order_record_refund(*, order_id: int, charge: Charge) -> Order:
    """Billing recorded a refund (ours, staff's, or one made in Stripe's Dashboard): a full one closes the order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if charge.status != Charge.Status.REFUNDED or order.status == Order.Status.REFUNDED:
            return order
        order.status = Order.Status.REFUNDED
        order.refunded_at = timezone.now()
        if not order.refund_reason:
            order.refund_reason = "Refunded in full."
        order.save(update_fields=["status", "refunded_at", "refund_reason", "updated_at"])
        transaction.on_commit(partial(order_email_send, order_id=order.pk, kind="refunded"), robust=True)
    return order


def order_record_dispute(*, order_id: int) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == Order.Status.PAID:
            order.status = Order.Status.DISPUTED
            order.save(update_fields=["status", "updated_at"])
    return order


def order_refund(*, order: Order, reason: str, restock: bool | None = None) -> Order:
    """Refund a paid order in full through billing (staff's admin action); its units go back on the shelf when
    `restock` (default: settings.SHOP_RESTOCK_ON_REFUND). OrderActionError, with nothing changed, if it cannot.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderActionError("Say why the order is refunded; the buyer is told.")
    order.refresh_from_db()
    if order.status not in (Order.Status.PAID, Order.Status.REFUND_PENDING):
        raise OrderActionError(f"Only a paid order can be refunded; this one is {order.get_status_display().lower()}.")
    charge = Charge.objects.for_object(order).succeeded().order_by("-paid_at").first()
    if charge is None:
        raise OrderActionError("This order has no payment left to refund.")
    restock = settings.SHOP_RESTOCK_ON_REFUND if restock is None else restock
    sold = order.status == Order.Status.PAID  # a refund-pending order never took stock
    Order.objects.filter(pk=order.pk).update(refund_reason=reason[:500])
    try:
        charge_refund(charge=charge)
    except PaymentError as error:
        raise OrderActionError(error.message) from error
    if restock and sold:
        order_restock(order_id=order.pk)
    order.refresh_from_db()
    return order


def order_restock(*, order_id: int) -> bool:
    """Put a sold order's units back on the shelf, once. True when it did."""
    order = Order.objects.get(pk=order_id)
    lines = list(order.lines.exclude(product=None))
    with transaction.atomic():
        products_lock(line.product_id for line in lines)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.restocked_at is not None:
            return False
        for line in lines:
            stock_change(product_id=line.product_id, delta=line.quantity)
        order.restocked_at = timezone.now()
        order.save(update_fields=["restocked_at", "updated_at"])
    return True


def orders_retry_pending_refunds() -> int:
    """Retry the automatic refunds Stripe could not take at the time; returns how many were refunded now."""
    refunded = 0
    for order_id in Order.objects.filter(status=Order.Status.REFUND_PENDING).values_list("pk", flat=True):
        order = order_refund_unfulfillable(order_id=order_id)
        refunded += order.status == Order.Status.REFUNDED
    return refunded
