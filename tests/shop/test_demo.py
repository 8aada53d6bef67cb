import io

import pytest
from PIL import Image as PILImage

from shop import demo
from shop.models import ProductPage, ShippingRate, ShopIndexPage

pytestmark = pytest.mark.django_db


def _state():
    return sorted(
        ProductPage.objects.values_list(
            "sku", "title", "price_amount", "variants__sku", "variants__stock__quantity", "image_id", "live"
        )
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
    plain = products.exclude(sku__in=demo.DEMO_VARIANTS)
    assert plain.filter(variants__stock__quantity=0).count() == 1
    assert plain.filter(variants__stock__quantity__gt=0, variants__stock__quantity__lte=5).count() >= 3
    assert client.get("/shop/").status_code == 200


def test_seed_twice_changes_nothing(home_page):
    demo.seed(io.StringIO())
    before = _state()

    out = io.StringIO()
    demo.seed(out)

    assert _state() == before
    assert ShopIndexPage.objects.count() == 1
    assert "0 products created" in out.getvalue()


def test_seed_makes_physical_goods_a_digital_one_and_shipping_rates_once(home_page):
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())

    assert list(ProductPage.objects.filter(requires_shipping=False).values_list("sku", flat=True)) == ["PDF-001"]
    assert ProductPage.objects.get(sku="MUG-001").requires_shipping
    assert sorted(ShippingRate.objects.values_list("name", flat=True)) == ["Express", "International", "Standard"]
