"""The migration that gives products a gallery copies each product's single image into it, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shop.factories import ImageFactory, ProductImageFactory, ProductPageFactory, ShopIndexPageFactory

MIGRATION = ("shop", "0010_product_gallery")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_products_image_becomes_the_first_of_its_gallery_and_back(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    kept, described = ImageFactory(), ImageFactory(description="A blue mug on oak")
    with_gallery = ProductPageFactory(parent=shop, title="Mug")
    ProductImageFactory(page=with_gallery, image=ImageFactory(), sort_order=1)
    ProductImageFactory(page=with_gallery, image=kept, sort_order=0)
    without = ProductPageFactory(parent=shop, title="Pen")

    executor = MigrationExecutor(connection)
    before = executor.loader.graph.node_map[MIGRATION].parents
    latest = executor.loader.graph.leaf_nodes("shop")
    try:
        # Back: the first gallery image becomes the product's image; a product without a gallery has none.
        old = migrate([(parent.key[0], parent.key[1]) for parent in before if parent.key[0] == "shop"])
        OldProduct = old.get_model("shop", "ProductPage")
        assert OldProduct.objects.get(pk=with_gallery.pk).image_id == kept.pk
        assert OldProduct.objects.get(pk=without.pk).image_id is None
        OldProduct.objects.filter(pk=without.pk).update(image_id=described.pk)

        # Forward: each image is the first (and only) gallery image, its alt text the image's description or the
        # product's title (what the page showed as alt text until now).
        new = migrate(latest)
        ProductImage = new.get_model("shop", "ProductImage")
        rows = sorted(ProductImage.objects.values_list("page_id", "image_id", "sort_order", "alt_text"))
        assert rows == sorted(
            [
                (with_gallery.pk, kept.pk, 0, "Mug"),
                (without.pk, described.pk, 0, "A blue mug on oak"),
            ]
        )
    finally:
        migrate(latest)
