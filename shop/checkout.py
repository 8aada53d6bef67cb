"""Checkout: the cart becomes the user's order, its stock is held while they pay through billing, and billing's
hooks turn the payment (or its absence) into a sale, a release or a refund.

Locks, always in this order so no two paths can deadlock: the cart row (and its lines), then product rows in
ascending id, then order rows. Billing's hooks arrive holding the charge row, which no checkout path takes. Stripe is
only called (through billing) outside any transaction: the order and its holds are committed first.
On SQLite `select_for_update` does nothing, but the IMMEDIATE transaction mode serialises writers instead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing import services as billing_services
from billing.models import Charge
from billing.money import format_amount
from billing.stripe_client import PaymentError
from shop.emails import order_email_send
from shop.models import Cart, LineItem, Order, OrderLine, ProductPage, StockHold

logger = logging.getLogger(__name__)


class CheckoutError(Exception):
    """Checkout refused, with a message fit for the shopper and the HTTP status it deserves. Nothing was held."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class OrderActionError(Exception):
    """A staff action on an order that cannot be done; nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CheckoutResult:
    """Either `changes` (one message per cart line that changed; no order, no payment) or an order to pay."""

    order: Order | None = None
    changes: list[str] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    payment_url: str = ""


# --- Holds ----------------------------------------------------------------------------------------


def hold_duration() -> timedelta:
    """As long as billing's Checkout Session stays payable (Stripe's 30 minutes to 24 hours), plus a margin."""
    minutes = min(max(int(settings.BILLING_CHECKOUT_EXPIRY_MINUTES), 30), 24 * 60)
    return timedelta(minutes=minutes + int(settings.SHOP_HOLD_MARGIN_MINUTES))


def _lock_products(product_ids: Iterable[int]) -> dict[int, ProductPage]:
    """Lock the products' rows in ascending id order (the fixed order that keeps two checkouts from deadlocking)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    # of=("self",) locks the product table only, not Wagtail's page rows that editors work on.
    locked = ProductPage.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return {product.pk: product for product in locked}


def _live_held(product_ids: Iterable[int], *, excluding_order: Order | None = None) -> dict[int, int]:
    holds = StockHold.objects.live().filter(product_id__in=list(product_ids))
    if excluding_order is not None:
        holds = holds.exclude(order=excluding_order)
    rows = holds.order_by().values("product_id").annotate(total=Sum("quantity"))
    return {row["product_id"]: row["total"] for row in rows}


def _release_holds(order: Order, *, status: str) -> None:
    StockHold.objects.filter(order=order).delete()
    order.status = status
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])


# --- Starting a checkout --------------------------------------------------------------------------


def _cart_terms(lines: list[LineItem]) -> set[tuple[int, int, int]]:
    return {(line.product_id, line.quantity, line.product.price_amount) for line in lines}


def _reusable_pending_order(user, lines: list[LineItem]) -> Order | None:
    """The user's pending order for exactly this cart, still holding its stock (a second click on checkout)."""
    wanted = _cart_terms(lines)
    for order in Order.objects.for_user(user).pending().with_live_holds().prefetch_related("lines"):
        if {(line.product_id, line.quantity, line.unit_price_amount) for line in order.lines.all()} == wanted:
            return order
    return None


@transaction.atomic
def order_create_from_cart(*, user, cart: Cart) -> CheckoutResult:
    """Check every line of the user's cart against the current price and stock, then make a pending order.

    If any line changed (price, stock, no longer on sale) the cart is brought up to date, one message per line
    is returned and no order is made: the shopper must see the cart again before paying. Otherwise an order
    with snapshotted lines is created and its stock held, all under the products' row locks, so available stock
    (on hand minus live holds) never goes below zero. The user's earlier pending orders are released (their
    ids returned in `superseded`, so their Checkout Sessions can be closed once this transaction commits).
    """
    if not (user is not None and user.is_authenticated) or cart.user_id != user.pk:
        raise CheckoutError("That cart is not yours.", status=404)
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    lines = list(LineItem.objects.select_for_update().filter(cart=cart).order_by("product_id"))
    if not lines:
        raise CheckoutError("Your cart is empty: add something before checking out.")
    products = _lock_products(line.product_id for line in lines)
    for line in lines:
        line.product = products[line.product_id]

    reusable = _reusable_pending_order(user, lines)
    if reusable is not None and all(line.price_seen_amount in (None, line.product.price_amount) for line in lines):
        return CheckoutResult(order=reusable)

    superseded = list(Order.objects.for_user(user).pending().select_for_update().order_by("pk"))
    for old in superseded:
        _release_holds(old, status=Order.Status.CANCELED)

    held = _live_held(products)
    cap = settings.SHOP_MAX_QUANTITY_PER_LINE
    changes: list[str] = []
    kept: list[LineItem] = []
    for line in lines:
        product = line.product
        available = max(product.stock_on_hand - held.get(product.pk, 0), 0)
        if not product.live:
            changes.append(f"{product.title} is no longer on sale, so we removed it from your cart.")
            line.delete()
            continue
        if available <= 0:
            changes.append(f"{product.title} has sold out, so we removed it from your cart.")
            line.delete()
            continue
        update_fields = []
        allowed = min(available, cap)
        if line.quantity > allowed:
            changes.append(
                f"Only {available} of {product.title} can be bought now, so we lowered it in your cart "
                f"from {line.quantity} to {allowed}."
            )
            line.quantity = allowed
            update_fields.append("quantity")
        if line.price_seen_amount is not None and line.price_seen_amount != product.price_amount:
            before = format_amount(line.price_seen_amount, product.price_currency)
            now = format_amount(product.price_amount, product.price_currency)
            changes.append(f"The price of {product.title} changed from {before} to {now}.")
        if line.price_seen_amount != product.price_amount:
            line.price_seen_amount = product.price_amount
            update_fields.append("price_seen_amount")
        if update_fields:
            line.save(update_fields=[*update_fields, "updated_at"])
        kept.append(line)

    superseded_ids = [old.pk for old in superseded]
    if changes:
        cart.save(update_fields=["updated_at"])
        return CheckoutResult(changes=changes, superseded=superseded_ids)
    currencies = {line.product.price_currency for line in kept}
    if len(currencies) > 1:
        raise CheckoutError(
            f"Your cart holds products priced in different currencies ({', '.join(sorted(currencies))}); "
            "remove the ones in one currency and buy them in a separate order."
        )

    currency = currencies.pop()
    order = Order.objects.create(
        number=uuid.uuid4().hex,
        user=user,
        email=user.email or "",
        currency=currency,
        total_amount=sum(line.product.price_amount * line.quantity for line in kept),
    )
    order.number = f"ORD-{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product=line.product,
                title=line.product.title,
                sku=line.product.sku or "",
                unit_price_amount=line.product.price_amount,
                quantity=line.quantity,
            )
            for line in kept
        ]
    )
    expires_at = timezone.now() + hold_duration()
    StockHold.objects.bulk_create(
        [StockHold(order=order, product=line.product, quantity=line.quantity, expires_at=expires_at) for line in kept]
    )
    return CheckoutResult(order=order, superseded=superseded_ids)


def _close_pending_charges(order_id: int) -> None:
    """Close an order's open Checkout Sessions at Stripe, so a released order cannot be paid later."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    for charge in Charge.objects.for_object(order).pending():
        try:
            billing_services.charge_cancel_checkout(charge=charge)
        except PaymentError as error:
            # The session expires on its own; a payment that still lands is refunded if the stock is gone.
            logger.warning("Could not close checkout for %s: %s", order, error.message)


def checkout_start(*, user, cart: Cart, base_url: str) -> CheckoutResult:
    """POST /cart/checkout/: the order and its holds (committed), then a Checkout Session through billing.

    Returns the changes to show (no payment started), or the order with the URL to send the buyer to. If Stripe
    fails, the order is canceled, its holds released, the cart left as it was, and CheckoutError says why.
    """
    result = order_create_from_cart(user=user, cart=cart)
    for order_id in result.superseded:
        _close_pending_charges(order_id)
    if result.order is None:
        return result
    order = result.order
    try:
        start = billing_services.charge_start_checkout(user=user, payable=order, base_url=base_url)
    except PaymentError as error:
        order_release(order_id=order.pk, status=Order.Status.CANCELED)
        raise CheckoutError(
            f"{error.message} Nothing was charged and your cart is as you left it.",
            status=503 if error.retryable else 502,
        ) from error
    session_expiry = start.charge.checkout_expires_at
    if session_expiry:
        # Hold exactly as long as the session can be paid, plus the margin.
        margin = timedelta(minutes=int(settings.SHOP_HOLD_MARGIN_MINUTES))
        StockHold.objects.filter(order=order, order__status=Order.Status.PENDING).update(
            expires_at=session_expiry + margin
        )
    result.payment_url = start.url
    return result


# --- Billing's hooks ------------------------------------------------------------------------------


def order_release(*, order_id: int, status: str, unless_charge_pending_other_than: int | None = None) -> Order:
    """A pending order that will not be paid: its holds go back to the shelf, it becomes `status`, the cart stays.

    Does nothing to an order that is no longer pending, or (for billing's cancel hook) that still has another
    charge being paid.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.PENDING:
            return order
        if unless_charge_pending_other_than is not None:
            others = Charge.objects.for_object(order).pending().exclude(pk=unless_charge_pending_other_than)
            if others.exists():
                return order
        _release_holds(order, status=status)
    return order


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
    products = _lock_products(line.product_id for line in lines if line.product_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in (Order.Status.PENDING, Order.Status.EXPIRED, Order.Status.CANCELED):
        return order
    held_by_others = _live_held(products, excluding_order=order)
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
        ProductPage.objects.filter(pk=line.product_id).update(stock_on_hand=F("stock_on_hand") - line.quantity)
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
        billing_services.charge_refund(charge=charge)
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


# --- Staff ----------------------------------------------------------------------------------------


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
        billing_services.charge_refund(charge=charge)
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
        _lock_products(line.product_id for line in lines)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.restocked_at is not None:
            return False
        for line in lines:
            ProductPage.objects.filter(pk=line.product_id).update(stock_on_hand=F("stock_on_hand") + line.quantity)
        order.restocked_at = timezone.now()
        order.save(update_fields=["restocked_at", "updated_at"])
    return True


# --- Housekeeping ---------------------------------------------------------------------------------


def stock_holds_release_expired(*, now: datetime | None = None) -> int:
    """Expire pending orders whose holds have all run out, releasing them; returns how many orders expired.

    Expired holds already stop counting against availability; this tidies up the orders (and their carts stay
    for a retry). A payment that still arrives for such an order is sold if the stock is there, else refunded.
    Meant for the scheduler; safe to run at any time.
    """
    now = now or timezone.now()
    due = Order.objects.pending().exclude(holds__expires_at__gt=now).values_list("pk", flat=True)
    expired = 0
    for order_id in list(due):
        order = order_release(order_id=order_id, status=Order.Status.EXPIRED)
        expired += order.status == Order.Status.EXPIRED
    StockHold.objects.filter(expires_at__lte=now).exclude(order__status=Order.Status.PENDING).delete()
    return expired


def orders_retry_pending_refunds() -> int:
    """Retry the automatic refunds Stripe could not take at the time; returns how many were refunded now."""
    refunded = 0
    for order_id in Order.objects.filter(status=Order.Status.REFUND_PENDING).values_list("pk", flat=True):
        order = order_refund_unfulfillable(order_id=order_id)
        refunded += order.status == Order.Status.REFUNDED
    return refunded
