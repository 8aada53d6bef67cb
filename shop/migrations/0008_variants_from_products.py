"""Every product gets its implicit variant (no options, the product's SKU), and its stock row, holds, cart lines and
order lines move onto it."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def make_implicit_variants(apps, schema_editor):
    ProductPage = apps.get_model("shop", "ProductPage")
    ProductVariant = apps.get_model("shop", "ProductVariant")
    batch = []
    for product_id, sku in ProductPage.objects.values_list("pk", "sku").iterator(chunk_size=2000):
        # A copy still waiting for its own SKU: a placeholder the product's next save replaces with its SKU.
        batch.append(ProductVariant(product_id=product_id, sku=sku or f"PRODUCT-{product_id}", sort_order=0))
        if len(batch) >= 2000:
            ProductVariant.objects.bulk_create(batch)
            batch = []
    ProductVariant.objects.bulk_create(batch)
    variant_of_product = Subquery(
        ProductVariant.objects.filter(product_id=OuterRef("product_id")).order_by("pk").values("pk")[:1]
    )
    for model_name in ("Stock", "StockHold", "LineItem", "OrderLine"):
        apps.get_model("shop", model_name).objects.filter(product__isnull=False).update(variant=variant_of_product)


def back_to_products(apps, schema_editor):
    Stock = apps.get_model("shop", "Stock")
    ProductVariant = apps.get_model("shop", "ProductVariant")
    Stock.objects.update(
        product=Subquery(ProductVariant.objects.filter(pk=OuterRef("variant_id")).values("product_id")[:1])
    )
    # One stock row per product again: the first variant's stands for the product.
    first_ids = Subquery(
        ProductVariant.objects.filter(product_id=OuterRef("variant__product_id")).order_by("pk").values("pk")[:1]
    )
    Stock.objects.exclude(variant_id=first_ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0007_product_variants"),
    ]

    operations = [
        migrations.RunPython(make_implicit_variants, back_to_products),
    ]
