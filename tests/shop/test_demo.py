import io

import pytest
from PIL import Image as PILImage

from shop import demo
from shop.models import ProductPage, ShopIndexPage

pytestmark = pytest.mark.django_db


def _state():
    return sorted(
        ProductPage.objects.values_list("sku", "title", "price_amount", "stocks__quantity", "image_id", "live")
    )


def test_seed_creates_the_shop_and_at_least_12_products_with_images(home_page, client):
    demo.seed(io.StringIO())

    index = ShopIndexPage.objects.get()
    assert index.url == "/shop/" and index.live
    products = ProductPage.objects.live().child_of(index)
    assert products.count() >= 12
    assert all(product.image_id for product in products)
    with products.first().image.file.open() as handle:
        assert PILImage.open(handle).size == (800, 600)
    assert products.filter(stocks__quantity=0).count() == 1
    assert products.filter(stocks__quantity__gt=0, stocks__quantity__lte=5).count() >= 3
    assert client.get("/shop/").status_code == 200


def test_seed_twice_changes_nothing(home_page):
    demo.seed(io.StringIO())
    before = _state()

    out = io.StringIO()
    demo.seed(out)

    assert _state() == before
    assert ShopIndexPage.objects.count() == 1
    assert "0 products created" in out.getvalue()
