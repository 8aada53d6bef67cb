"""Stock on hand moves from the product page (and so from its revisions) to its own table, shop.Stock."""

import django.db.models.deletion
from django.db import migrations, models


def copy_stock(apps, schema_editor):
    ProductPage = apps.get_model("shop", "ProductPage")
    Stock = apps.get_model("shop", "Stock")
    rows = ProductPage.objects.values_list("pk", "stock_on_hand").iterator(chunk_size=2000)
    batch = []
    for product_id, quantity in rows:
        batch.append(Stock(product_id=product_id, quantity=quantity or 0))
        if len(batch) >= 2000:
            Stock.objects.bulk_create(batch)
            batch = []
    Stock.objects.bulk_create(batch)


def copy_stock_back(apps, schema_editor):
    ProductPage = apps.get_model("shop", "ProductPage")
    Stock = apps.get_model("shop", "Stock")
    for product_id, quantity in Stock.objects.values_list("product_id", "quantity"):
        ProductPage.objects.filter(pk=product_id).update(stock_on_hand=quantity)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_currency_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name="Stock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "quantity",
                    models.PositiveIntegerField(default=0, help_text="Units in the warehouse that can be sold."),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="stocks", to="shop.productpage"
                    ),
                ),
            ],
            options={
                "verbose_name": "stock",
                "verbose_name_plural": "stock",
                "ordering": ["product__title", "pk"],
                "constraints": [models.UniqueConstraint(fields=("product",), name="shop_stock_one_per_product")],
            },
        ),
        migrations.RunPython(copy_stock, copy_stock_back),
        migrations.RemoveField(model_name="productpage", name="stock_on_hand"),
    ]
