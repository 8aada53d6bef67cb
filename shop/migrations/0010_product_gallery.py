# Products get a gallery of ordered images with alt text (ProductImage); each product's single `image` becomes the
# first image of its gallery, and the field goes.

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


def copy_images_into_galleries(apps, schema_editor):
    """Each product's `image` becomes its gallery's first image. Its alt text is the image's description when it
    has one, else the product's title: what the product page showed as alt text until now."""
    ProductPage = apps.get_model("shop", "ProductPage")
    ProductImage = apps.get_model("shop", "ProductImage")
    products = ProductPage.objects.filter(image__isnull=False).select_related("image").order_by("pk")
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                page_id=product.pk,
                image_id=product.image_id,
                sort_order=0,
                alt_text=(product.image.description or product.title)[:255],
            )
            for product in products
        ],
        batch_size=1000,
    )


def copy_first_images_back(apps, schema_editor):
    """Going back: each product's first gallery image becomes its `image` again (the others are dropped)."""
    ProductPage = apps.get_model("shop", "ProductPage")
    ProductImage = apps.get_model("shop", "ProductImage")
    first = {}
    for row in ProductImage.objects.order_by("page_id", "sort_order", "pk").values("page_id", "image_id"):
        first.setdefault(row["page_id"], row["image_id"])
    for page_id, image_id in first.items():
        ProductPage.objects.filter(pk=page_id).update(image_id=image_id)


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0009_variants_required"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "alt_text",
                    models.CharField(
                        help_text="What the picture shows, for people who cannot see it (e.g. “Blue mug, side view, on oak”).",
                        max_length=255,
                        verbose_name="alt text",
                    ),
                ),
                (
                    "image",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="wagtailimages.image"
                    ),
                ),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gallery_images",
                        to="shop.productpage",
                    ),
                ),
            ],
            options={
                "verbose_name": "product image",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_images_into_galleries, copy_first_images_back),
        migrations.RemoveField(
            model_name="productpage",
            name="image",
        ),
    ]
