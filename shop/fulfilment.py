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

from accounts.services import AccountError, account_for_guest_checkout
from billing.models import Charge
from billing.services.refunds import charge_refund
from billing.stripe_client import PaymentError
from shop.emails import order_email_send
from shop.holds import variants_live_held, variants_lock
from shop.models import Cart, LineItem, Order, StockHold
from shop.shipments import order_event_record
from shop.shipping import order_snapshot_shipping
from shop.stock import stock_change

logger = logging.getLogger(__name__)


class OrderActionError(Exception):
    """A staff action on an order that cannot be done; nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def order_fulfil(*, order_id: int, charge: Charge) -> Order:
    """Billing confirmed the payment (exactly once): the holds become sales, or the payment is refunded.

    Runs inside billing's fulfilment transaction. With the variants locked, each line must fit in its variant's
    stock on hand minus what other orders hold (a variant deleted since checkout has none); this order's own live
    hold guarantees it, but an expired hold may have lost its units to another buyer. If every line fits: stock goes
    down, the order is paid and what was ordered leaves the cart. If not, nothing is sold: the order awaits an
    automatic refund, made once the transaction commits.

    """
    order = Order.objects.get(pk=order_id)
    lines = list(order.lines.all())
    # The buyer's cart first (what was ordered leaves it below), as checkout locks it first: no deadlock.
    carts = _buyer_carts(order)
    list(carts.select_for_update())
    variants = variants_lock(line.variant_id for line in lines if line.variant_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in (Order.Status.PENDING, Order.Status.EXPIRED, Order.Status.CANCELED):
        return order
    held_by_others = variants_live_held(variants, excluding_order=order)
    short = []
    for line in lines:
        variant = variants.get(line.variant_id)
        available = 0 if variant is None else variant.stock_on_hand - held_by_others.get(variant.pk, 0)
        if available < line.quantity:
            short.append(line.display_name)
    StockHold.objects.filter(order=order).delete()
    now = timezone.now()
    order.paid_at = now
    if short:
        order.status = Order.Status.REFUND_PENDING
        order.refund_reason = (
            f"{', '.join(short)} sold out before your payment reached us, so we are refunding it in full."
        )[:500]
        # The whole payment, shipping included, goes back: the order's total says what that was.
        shipping_fields = order_snapshot_shipping(order=order, charge=charge)
        order.save(update_fields=["status", "paid_at", "refund_reason", *shipping_fields, "updated_at"])
        transaction.on_commit(partial(_refund_after_commit, order.pk), robust=True)
        return order
    for line in lines:
        stock_change(variant_id=line.variant_id, delta=-line.quantity)
    order.status = Order.Status.PAID
    order.closed_at = None
    shipping_fields = order_snapshot_shipping(order=order, charge=charge)
    order.save(update_fields=["status", "paid_at", "closed_at", *shipping_fields, "updated_at"])
    order_event_record(order=order, status=Order.Status.PAID, note=order.shipping_rate_name)
    _cart_remove_ordered(carts, lines)
    transaction.on_commit(partial(order_email_send, order_id=order.pk, kind="paid"), robust=True)
    return order


def _cart_remove_ordered(carts, lines) -> None:
    """Takes what was ordered out of the buyer's cart (locked above); what they added since checkout stays."""
    ordered: dict[int, int] = {}
    for line in lines:
        if line.variant_id:
            ordered[line.variant_id] = ordered.get(line.variant_id, 0) + line.quantity
    for item in LineItem.objects.filter(cart__in=carts, variant_id__in=list(ordered)):
        left = item.quantity - ordered[item.variant_id]
        if left > 0:
            item.quantity = left
            item.save(update_fields=["quantity", "updated_at"])
        else:
            item.delete()
    carts.filter(lines__isnull=True).delete()


def order_assign_guest_buyer(*, order_id: int, email: str, name: str = "") -> Order:
    """A guest's paid order becomes the account's with that address (accounts makes one if there is none).

    Runs inside billing's fulfilment transaction. Nobody is signed in here: the buyer reaches the order from the
    browser that paid (shop.views), and the confirmation e-mail carries a one-time sign-in link when the account has
    no password yet. Without a usable address it raises, so the payment is announced again (Stripe retries).
    """
    order = Order.objects.get(pk=order_id)
    if order.user_id is not None:
        return order
    try:
        user = account_for_guest_checkout(email=email, name=name)
    except AccountError as error:
        raise ValueError(f"{order} was paid by a guest without a usable e-mail address: {error.message}") from error
    # A conditional update, not a row lock: order_fulfil takes the locks next, in shop.holds' order, and billing's
    # lock on the charge already keeps a second fulfilment of this payment out.
    Order.objects.filter(pk=order_id, user__isnull=True).update(
        user=user, email=email.strip().lower(), updated_at=timezone.now()
    )
    logger.info("%s (guest checkout) belongs to user %s", order, user.pk)
    order.refresh_from_db()
    return order


def _buyer_carts(order: Order):
    """The cart the order was made from: a guest's anonymous cart (never the account it now belongs to), or the
    buyer's own."""
    if order.guest_cart_pk is not None:
        return Cart.objects.filter(pk=order.guest_cart_pk, user__isnull=True)
    return Cart.objects.filter(user_id=order.user_id)


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
        if order.status in Order.Status.fulfilled():
            order.status = Order.Status.DISPUTED
            order.save(update_fields=["status", "updated_at"])
    return order


def order_record_dispute_won(*, order_id: int) -> Order:
    """The dispute ended in the shop's favour: a disputed order is paid again (its stock never came back)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == Order.Status.DISPUTED:
            order.status = Order.Status.PAID
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
    if order.status not in (*Order.Status.fulfilled(), Order.Status.REFUND_PENDING):
        raise OrderActionError(f"Only a paid order can be refunded; this one is {order.get_status_display().lower()}.")
    charge = Charge.objects.for_object(order).succeeded().order_by("-paid_at").first()
    if charge is None:
        raise OrderActionError("This order has no payment left to refund.")
    restock = settings.SHOP_RESTOCK_ON_REFUND if restock is None else restock
    sold = order.status in Order.Status.fulfilled()  # a refund-pending order never took stock
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
    # A line whose variant was deleted since has no shelf to go back to.
    lines = list(order.lines.exclude(variant=None))
    with transaction.atomic():
        locked = variants_lock(line.variant_id for line in lines)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.restocked_at is not None:
            return False
        for line in lines:
            if line.variant_id in locked:
                stock_change(variant_id=line.variant_id, delta=line.quantity)
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
