"""Stock rows and holds belong to a variant (0008 gave every product its implicit one); one cart line and one hold
per variant, no longer per product."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0008_variants_from_products"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="stock",
            options={"ordering": ["variant__sku", "pk"], "verbose_name": "stock", "verbose_name_plural": "stock"},
        ),
        migrations.RemoveField(model_name="stock", name="product"),
        migrations.AlterField(
            model_name="stock",
            name="variant",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="stock", to="shop.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="stockhold",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="stock_holds", to="shop.productvariant"
            ),
        ),
        migrations.AddConstraint(
            model_name="lineitem",
            constraint=models.UniqueConstraint(fields=("cart", "variant"), name="shop_lineitem_one_line_per_variant"),
        ),
        migrations.AddConstraint(
            model_name="stockhold",
            constraint=models.UniqueConstraint(fields=("order", "variant"), name="shop_stockhold_one_per_variant"),
        ),
        migrations.AddIndex(
            model_name="stockhold",
            index=models.Index(fields=["variant", "expires_at"], name="shop_stockhold_variant_live"),
        ),
    ]
