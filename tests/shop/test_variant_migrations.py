"""Migrations 0007-0009: every existing product gets its implicit variant, with its stock, cart lines, holds and
order lines moved onto it (checked by going back to 0006 and forward again over real rows)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from shop.factories import CartFactory, LineItemFactory, ProductPageFactory, ShopIndexPageFactory
from shop.models import LineItem, Order, OrderLine, ProductVariant, Stock, StockHold

BEFORE = [("shop", "0006_stock_outside_revisions")]
AFTER = [("shop", "0009_variants_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_products_of_before_variants_get_an_implicit_variant_with_their_stock_lines_holds_and_orders(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    mug = ProductPageFactory(parent=shop, title="Mug", sku="MUG-1", stock_on_hand=7)
    line = LineItemFactory(cart=CartFactory(), product=mug, quantity=2)
    order = Order.objects.create(number="ORD-1", currency="USD", total_amount=1250)
    OrderLine.objects.create(
        order=order, product=mug, variant=mug.variants.get(), title="Mug", unit_price_amount=1250, quantity=1
    )
    StockHold.objects.create(
        order=order, product=mug, variant=mug.variants.get(), quantity=1, expires_at=timezone.now() + timedelta(hours=1)
    )

    try:
        migrate(BEFORE)
        migrate(AFTER)
    finally:
        migrate(AFTER)

    variant = ProductVariant.objects.get(product_id=mug.pk)
    assert (variant.sku, variant.label) == ("MUG-1", "")
    assert Stock.objects.get(variant=variant).quantity == 7
    assert LineItem.objects.get(pk=line.pk).variant_id == variant.pk
    assert StockHold.objects.get().variant_id == variant.pk
    assert OrderLine.objects.get().variant_id == variant.pk
