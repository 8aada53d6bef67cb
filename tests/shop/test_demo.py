import io

import pytest
from PIL import Image as PILImage

from shop import demo
from shop.models import ProductPage, ProductVariant, ShippingRate, ShopIndexPage

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


def test_seed_sells_the_tee_socks_and_cap_in_variants_once(home_page, client):
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())

    tee = ProductPage.objects.get(sku="TEE-001")
    combos = {tuple(variant.option_values): variant for variant in ProductVariant.objects.filter(product=tee)}
    assert len(combos) == 8
    assert {size for size, _colour in combos} == {"S", "M", "L", "XL"}
    assert {colour for _size, colour in combos} == {"Oat", "Black"}
    sold_out = [combo for combo, variant in combos.items() if variant.stock_on_hand == 0]
    assert sold_out == [("XL", "Black")]
    assert ProductVariant.objects.filter(product__sku="SOCK-001").count() == 2
    assert ProductVariant.objects.filter(product__sku="CAP-001").count() == 3
    assert [option.name for option in tee.options.all()] == ["Size", "Colour"]
    assert client.get(tee.url).status_code == 200
