"""Stock on hand: the only module that writes `Stock` rows (sales, refunds, editors, demo data).

Stock is live data beside the product page, never inside its revisions, so publishing any revision leaves it
alone. There is one row per variant (a product without options: its implicit variant). Writers that also take
holds lock the variant rows first (shop.holds' lock order); an editor's figure is written under the same lock, so it
lands before or after a checkout, never in the middle of one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from shop.holds import variants_lock
from shop.models import ProductPage, ProductVariant, Stock


class StockError(Exception):
    """A stock change that cannot be made; nothing changed."""


def stock_quantities(*, variant_ids) -> dict[int, int]:
    """Units on hand per variant id (0 for a variant with no stock row)."""
    ids = list(variant_ids)
    found = dict(Stock.objects.filter(variant_id__in=ids).values_list("variant_id", "quantity"))
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}


def stock_change(*, variant_id: int, delta: int) -> None:
    """Add `delta` units (negative for a sale) to a variant's stock, never below zero, in one UPDATE.

    The caller holds the variant's row lock (shop.holds.variants_lock) when the change must not race a checkout.
    """
    updated = Stock.objects.filter(variant_id=variant_id).update(quantity=Greatest(F("quantity") + delta, 0))
    if not updated and delta > 0:
        Stock.objects.create(variant_id=variant_id, quantity=delta)


def _only_variant(product: ProductPage) -> ProductVariant:
    variants = list(ProductVariant.objects.filter(product_id=product.pk).order_by("pk")[:2])
    if len(variants) != 1:
        raise StockError(f"{product.title} has {len(variants) or 'no'} variants: say which one's stock to set.")
    return variants[0]


def stock_set(*, quantity: int, variant: ProductVariant | None = None, product: ProductPage | None = None) -> Stock:
    """An editor states how many units of a variant are on hand: applies at once, whatever revision is live or
    drafted. `product=` stands for its only variant (a product without options)."""
    if quantity is None or int(quantity) < 0:
        raise StockError("Stock on hand cannot be negative.")
    if variant is None:
        if product is None:
            raise StockError("Say which variant's stock to set.")
        variant = _only_variant(product)
    with transaction.atomic():
        # The variant row first: the lock every checkout and fulfilment takes before reading stock.
        if not variants_lock([variant.pk]):
            raise StockError("That variant no longer exists.")
        stock, _created = Stock.objects.update_or_create(variant_id=variant.pk, defaults={"quantity": int(quantity)})
    return stock


def stocks_set(*, quantities: dict[int, int]) -> int:
    """Several variants' units on hand stated at once (a stock count, a CSV import): all of them or none.

    One transaction; the variant rows are locked first, in ascending id (shop.holds' lock order), so a checkout sees
    the figures before or after, never half of them. Returns how many variants' figures changed. A variant that no
    longer exists, or a figure below zero, changes nothing at all. Each changed row is saved (not bulk-updated) so
    the page cache hears of it as of an editor's single change.
    """
    if any(quantity is None or int(quantity) < 0 for quantity in quantities.values()):
        raise StockError("Stock on hand cannot be negative.")
    wanted = {int(variant_id): int(quantity) for variant_id, quantity in quantities.items()}
    with transaction.atomic():
        locked = variants_lock(wanted)
        missing = sorted(set(wanted) - set(locked))
        if missing:
            raise StockError(f"{len(missing)} of those variants no longer exist: nothing was changed.")
        rows = {stock.variant_id: stock for stock in Stock.objects.filter(variant_id__in=wanted).order_by()}
        changed = 0
        for variant_id in sorted(wanted):
            quantity = wanted[variant_id]
            stock = rows.get(variant_id)
            if stock is None and quantity:  # no row reads as 0 on hand (stock_quantities)
                Stock.objects.create(variant_id=variant_id, quantity=quantity)
            elif stock is None:
                continue
            elif stock.quantity != quantity:
                stock.quantity = quantity
                stock.save(update_fields=["quantity", "updated_at"])
            else:
                continue
            changed += 1
    return changed
