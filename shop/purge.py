"""Deleting stale carts in bulk: what `Cart.purge_stale()`, `manage.py purge_carts` and the daily task run.

Most carts never become orders, so they pile up. The purge deletes them in the database, batch by batch, each
batch its own transaction of two `DELETE ... WHERE ... IN (SELECT ...)` statements (the batch's lines, then its
carts). No row is loaded into Python and no model signal fires: Django's `QuerySet.delete()` would collect every
cart first, and Wagtail's reference index would add queries per row (Cart and LineItem opt out of it too).

A batch is a range of at most `batch_size` cart ids, fixed before its transaction starts, so both statements see the
same carts; the moment holds are judged at is fixed too. A failure leaves the batches before it done and the rest
untouched: run the purge again to finish.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Max, Min
from django.utils import timezone

from shop.models import Cart, LineItem, Order, StockHold
from shop.statuses import OrderStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeResult:
    carts: int
    lines: int
    batches: int
    cutoff: datetime
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def purgeable_carts(*, older_than: timedelta, now: datetime):
    """Stale carts without a checkout in progress (a pending order of their owner still holding stock)."""
    return Cart.objects.stale(older_than, now=now).without_checkout_in_progress(now=now).order_by()


def _purgeable_sql(quote) -> str:
    """SQL true for a cart row `c` that `purgeable_carts` selects: idle since the cutoff, and not the cart of a user
    whose pending order still holds stock at the fixed moment (`Order.objects.pending().with_live_holds()`)."""
    # Table names come from the models; every value is a query parameter.
    order, hold = quote(Order._meta.db_table), quote(StockHold._meta.db_table)
    joined = f"{order} o INNER JOIN {hold} h ON h.order_id = o.id"
    return (
        "c.updated_at < %s AND NOT (c.user_id IS NOT NULL AND EXISTS (SELECT 1 FROM "  # noqa: S608
        + joined
        + " WHERE o.user_id = c.user_id AND o.status = %s AND h.expires_at > %s))"
    )


def delete_batch(*, cutoff: datetime, now: datetime, after: int, up_to: int) -> tuple[int, int]:
    """Delete the purgeable carts with ids in (after, up_to] and their lines, in one transaction: (carts, lines).

    Two hand-written statements, the plain SQL `DELETE`s this purge stands for (Django's `QuerySet.delete()` would
    load every cart and send signals): the batch's lines, then its carts. The id range lets both use an index
    rather than scan whole tables batch after batch.
    """
    connection = connections[router.db_for_write(Cart)]
    quote = connection.ops.quote_name
    condition = _purgeable_sql(quote)
    cart_table, line_table = quote(Cart._meta.db_table), quote(LineItem._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    condition_params = [adapt(cutoff), OrderStatus.PENDING, adapt(now)]
    selected = f"SELECT c.id FROM {cart_table} c WHERE c.id > %s AND c.id <= %s AND {condition}"  # noqa: S608
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {line_table} WHERE cart_id > %s AND cart_id <= %s AND cart_id IN ({selected})",  # noqa: S608
            [after, up_to, after, up_to, *condition_params],
        )
        lines = cursor.rowcount
        cursor.execute(f"DELETE FROM {cart_table} WHERE id IN ({selected})", [after, up_to, *condition_params])  # noqa: S608
        carts = cursor.rowcount
    return carts, lines


def carts_purge_stale(
    *,
    older_than: timedelta | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PurgeResult:
    """Delete carts with no activity for `older_than` (default SHOP_CART_STALE_AFTER) and their lines.

    Carts with a checkout in progress are kept. Batches hold at most `batch_size` carts (default
    SHOP_CART_PURGE_BATCH_SIZE). With `dry_run` nothing is deleted and the counts say what would be.
    """
    older_than = settings.SHOP_CART_STALE_AFTER if older_than is None else older_than
    batch_size = settings.SHOP_CART_PURGE_BATCH_SIZE if batch_size is None else batch_size
    if older_than <= timedelta(0):
        raise ValueError("older_than must be longer than zero.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError("batch_size must be a whole number of at least 1.")
    now = now or timezone.now()
    cutoff = now - older_than
    candidates = purgeable_carts(older_than=older_than, now=now)

    if dry_run:
        carts = candidates.count()
        lines = LineItem.objects.filter(cart_id__in=candidates.values("pk")).count()
        logger.info("Dry run: would purge %d stale carts and %d lines (no activity since %s)", carts, lines, cutoff)
        return PurgeResult(carts=carts, lines=lines, batches=0, cutoff=cutoff, dry_run=True)

    carts = lines = batches = 0
    bounds = candidates.aggregate(first=Min("pk"), last=Max("pk"))
    try:
        if bounds["first"] is not None:
            # Batches are ranges of `batch_size` ids, so none holds more than `batch_size` carts.
            after = bounds["first"] - 1
            while after < bounds["last"]:
                up_to = min(after + batch_size, bounds["last"])
                batch_carts, batch_lines = delete_batch(cutoff=cutoff, now=now, after=after, up_to=up_to)
                if batch_carts or batch_lines:
                    batches += 1
                    carts += batch_carts
                    lines += batch_lines
                after = up_to
    except Exception:
        logger.exception(
            "Cart purge stopped after %d batches (%d carts, %d lines deleted); run it again to finish",
            batches,
            carts,
            lines,
        )
        raise
    logger.info(
        "Purged %d stale carts and %d lines in %d batches (no activity since %s)", carts, lines, batches, cutoff
    )
    return PurgeResult(carts=carts, lines=lines, batches=batches, cutoff=cutoff)
