"""Options and variants: a product's options (Size: S, M, L) and the variants sold (each its SKU, price, stock).

Stock, holds and cart lines gain a variant key, filled for every product's implicit variant by 0008 and required
by 0009.
"""

import django.core.validators
import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0006_stock_outside_revisions"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductOption",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "name",
                    models.CharField(help_text="What the shopper chooses, e.g. Size or Colour.", max_length=50),
                ),
                (
                    "values",
                    models.CharField(
                        help_text="The choices in the order shown, separated by commas: S, M, L, XL.", max_length=500
                    ),
                ),
                (
                    "product",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="options", to="shop.productpage"
                    ),
                ),
            ],
            options={
                "verbose_name": "option",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductVariant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "sku",
                    models.CharField(
                        help_text="Unique across the shop. A product without options: its own SKU, set for you.",
                        max_length=64,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Za-z0-9][A-Za-z0-9._-]*$", "Use letters, digits, dots, dashes and underscores."
                            )
                        ],
                        verbose_name="SKU",
                    ),
                ),
                ("option1", models.CharField(blank=True, max_length=64, verbose_name="first option")),
                ("option2", models.CharField(blank=True, max_length=64, verbose_name="second option")),
                ("option3", models.CharField(blank=True, max_length=64, verbose_name="third option")),
                (
                    "price_amount",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Optional, in the product's currency and units; empty: the product's price.",
                        null=True,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="price",
                    ),
                ),
                (
                    "product",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="variants", to="shop.productpage"
                    ),
                ),
            ],
            options={
                "verbose_name": "variant",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="lineitem",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="line_items",
                to="shop.productvariant",
            ),
        ),
        migrations.AddField(
            model_name="lineitem",
            name="option_values",
            field=models.CharField(blank=True, default="", max_length=255),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="orderline",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="order_lines",
                to="shop.productvariant",
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="option_values",
            field=models.CharField(
                blank=True, default="", help_text="The variant's, e.g. M, Oat.", max_length=255, verbose_name="options"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="stockhold",
            name="variant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="stock_holds",
                to="shop.productvariant",
            ),
        ),
        migrations.AddField(
            model_name="stock",
            name="variant",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="stock", to="shop.productvariant"
            ),
        ),
        # Nullable from here (0009 removes it), so that going back fills it before requiring it again.
        migrations.RemoveConstraint(model_name="stock", name="shop_stock_one_per_product"),
        migrations.AlterField(
            model_name="stock",
            name="product",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="stocks", to="shop.productpage"
            ),
        ),
        migrations.RemoveConstraint(model_name="lineitem", name="shop_lineitem_one_line_per_product"),
        migrations.RemoveConstraint(model_name="stockhold", name="shop_stockhold_one_per_product"),
    ]
