"""Stock on hand: the only module that writes `Stock` rows (sales, refunds, editors, demo data).

Stock is live data beside the product page, never inside its revisions, so publishing any revision leaves it
alone. Writers that also take holds lock the product rows first (shop.holds' lock order); an editor's figure is
written under the same lock, so it lands before or after a checkout, never in the middle of one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from shop.holds import products_lock
from shop.models import ProductPage, Stock


class StockError(Exception):
    """A stock change that cannot be made; nothing changed."""


def stock_quantities(*, product_ids) -> dict[int, int]:
    """Units on hand per product id (0 for a product with no stock row)."""
    ids = list(product_ids)
    found = dict(Stock.objects.filter(product_id__in=ids).values_list("product_id", "quantity"))
    return {product_id: found.get(product_id, 0) for product_id in ids}


def stock_change(*, product_id: int, delta: int) -> None:
    """Add `delta` units (negative for a sale) to a product's stock, never below zero, in one UPDATE.

    The caller holds the product's row lock (shop.holds.products_lock) when the change must not race a checkout.
    """
    updated = Stock.objects.filter(product_id=product_id).update(quantity=Greatest(F("quantity") + delta, 0))
    if not updated and delta > 0:
        Stock.objects.create(product_id=product_id, quantity=delta)


def stock_set(*, product: ProductPage, quantity: int) -> Stock:
    """An editor states how many units are on hand: applies at once, whatever revision is live or drafted."""
    if quantity is None or int(quantity) < 0:
        raise StockError("Stock on hand cannot be negative.")
    with transaction.atomic():
        # The product row first: the lock every checkout and fulfilment takes before reading stock.
        products_lock([product.pk])
        stock, _created = Stock.objects.update_or_create(product_id=product.pk, defaults={"quantity": int(quantity)})
    return stock
