"""Stock holds: units set aside for a pending order while its buyer pays, released when it will not be paid.

Locks, always in this order so no two paths can deadlock: the cart row (and its lines), then variant rows in
ascending id (`variants_lock`: stock and holds are per variant), then order rows. Billing's signals arrive holding
the charge row, which no shop path takes. Stripe is only called (through billing) outside any transaction. On SQLite
`select_for_update` does nothing, but the IMMEDIATE transaction mode serialises writers instead.

"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.models import Charge
from shop.models import Order, ProductVariant, StockHold


def hold_duration() -> timedelta:
    """As long as billing's Checkout Session stays payable (Stripe's 30 minutes to 24 hours), plus a margin."""
    minutes = min(max(int(settings.BILLING_CHECKOUT_EXPIRY_MINUTES), 30), 24 * 60)
    return timedelta(minutes=minutes + int(settings.SHOP_HOLD_MARGIN_MINUTES))


def variants_lock(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the variants' rows in ascending id order (the fixed order that keeps two checkouts from deadlocking).

    A variant's row, not its Stock row: every variant has one from the moment it exists, and the lock holds for a
    variant whose stock row an editor has yet to make. A variant deleted meanwhile is simply missing from the
    result.
    """
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    # of=("self",) locks the variant table only, not the product's or Wagtail's page rows that editors work on.
    # Stock on hand comes annotated (`variant.stock_on_hand`) and the product joined in the same query.
    locked = (
        ProductVariant.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("product")
        .with_stock()
        .order_by("pk")
    )
    return {variant.pk: variant for variant in locked}


def variants_live_held(variant_ids: Iterable[int], *, excluding_order: Order | None = None) -> dict[int, int]:
    """Units of each variant that live holds set aside (of orders other than `excluding_order`)."""
    holds = StockHold.objects.live().filter(variant_id__in=list(variant_ids))
    if excluding_order is not None:
        holds = holds.exclude(order=excluding_order)
    rows = holds.order_by().values("variant_id").annotate(total=Sum("quantity"))
    return {row["variant_id"]: row["total"] for row in rows}


def order_release_holds(order: Order, *, status: str) -> None:
    """Deletes the order's holds and closes it as `status`; the caller holds the order's row lock."""
    StockHold.objects.filter(order=order).delete()
    order.status = status
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])


def order_hold_stock(*, order: Order, quantities: dict[ProductVariant, int]) -> None:
    """Sets `quantities` aside for the pending order for `hold_duration()`; the caller holds the variants' locks."""
    expires_at = timezone.now() + hold_duration()
    StockHold.objects.bulk_create(
        [
            StockHold(
                order=order, product_id=variant.product_id, variant=variant, quantity=quantity, expires_at=expires_at
            )
            for variant, quantity in quantities.items()
        ]
    )


def order_holds_extend(*, order: Order, payable_until: datetime) -> None:
    """Holds a pending order's stock exactly as long as its payment session can be paid, plus the margin.

    Billing announces every new session for the order (shop.receivers), so a later "Continue to payment" extends
    them too. Only live holds: units whose hold ran out may already be another buyer's.
    """
    margin = timedelta(minutes=int(settings.SHOP_HOLD_MARGIN_MINUTES))
    StockHold.objects.filter(order=order, order__status=Order.Status.PENDING, expires_at__gt=timezone.now()).update(
        expires_at=payable_until + margin
    )


def buyer_units_held(*, user_id: int) -> int:
    """Units the buyer's pending orders hold now, across every variant (SHOP_MAX_HELD_UNITS_PER_BUYER caps it)."""
    total = (
        StockHold.objects.live()
        .filter(order__user_id=user_id, order__status=Order.Status.PENDING)
        .aggregate(total=Sum("quantity"))["total"]
    )
    return total or 0


def order_release(*, order_id: int, status: str, unless_charge_pending_other_than: int | None = None) -> Order:
    """A pending order that will not be paid: its holds go back to the shelf, it becomes `status`, the cart stays.

    Does nothing to an order that is no longer pending, or (when billing announces a canceled charge) that still
    has another charge being paid.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.PENDING:
            return order
        if unless_charge_pending_other_than is not None:
            others = Charge.objects.for_object(order).pending().exclude(pk=unless_charge_pending_other_than)
            if others.exists():
                return order
        order_release_holds(order, status=status)
    return order


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
