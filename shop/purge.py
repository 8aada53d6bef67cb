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
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from shop.models import Cart, LineItem

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


def delete_batch(candidates, *, after: int, up_to: int) -> tuple[int, int]:
    """Delete the candidate carts with ids in (after, up_to] and their lines, in one transaction: (carts, lines).

    Two statements: `DELETE FROM lineitem WHERE cart_id > after AND cart_id <= up_to AND cart_id IN (SELECT ...)`
    then `DELETE FROM cart WHERE <the candidates' conditions> AND id > after AND id <= up_to`. The id range
    lets both use an index rather than scan whole tables batch after batch. `_raw_delete` is the SQL
    `DELETE` Django's own collector uses for fast deletes: no rows fetched, no signals.
    """
    batch = candidates.filter(pk__gt=after, pk__lte=up_to)
    using = batch.db
    with transaction.atomic(using=using):
        lines = LineItem.objects.filter(
            cart_id__gt=after, cart_id__lte=up_to, cart_id__in=batch.values("pk")
        )._raw_delete(using)
        carts = batch._raw_delete(using)
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
                batch_carts, batch_lines = delete_batch(candidates, after=after, up_to=up_to)
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
