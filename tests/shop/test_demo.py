import io

import pytest
from PIL import Image as PILImage
from wagtail.images import get_image_model

from shop import demo
from shop.factories import ImageFactory
from shop.models import ProductImage, ProductPage, ProductVariant, ShippingRate, ShopIndexPage
from shop.querysets import ALL_RENDITIONS

pytestmark = pytest.mark.django_db


def _state():
    products = ProductPage.objects.values_list(
        "sku", "title", "price_amount", "variants__sku", "variants__stock__quantity", "body", "live"
    )
    gallery = ProductImage.objects.values_list("page__sku", "sort_order", "image_id", "alt_text")
    return sorted(products), sorted(gallery)


def test_seed_creates_the_shop_and_products_with_descriptions_and_pictures(home_page, client):
    demo.seed(io.StringIO())

    index = ShopIndexPage.objects.get()
    assert index.url == "/shop/" and index.live
    products = ProductPage.objects.live().child_of(index)
    assert products.count() >= 12
    plain = products.exclude(sku__in=demo.DEMO_VARIANTS)
    assert plain.filter(variants__stock__quantity=0).count() == 1
    assert plain.filter(variants__stock__quantity__gt=0, variants__stock__quantity__lte=5).count() >= 3
    for product in products:
        # A description that adds to the summary, not repeats it.
        assert product.summary not in product.body, product.sku
        assert len(product.body) > 2 * len(product.summary) + 100, product.sku
        gallery = list(product.gallery_images.all())
        assert len(gallery) >= 2, product.sku
        assert len({item.alt_text for item in gallery}) == len(gallery)
        assert all(product.title[1:] in item.alt_text for item in gallery)
        assert product.main_image == gallery[0]
        # The published revision carries the gallery too: an editor opening the page sees it.
        assert len(product.get_latest_revision_as_object().gallery_images.all()) == len(gallery)
    mug = ProductPage.objects.get(sku="MUG-001")
    sizes, colours = set(), set()
    for item in mug.gallery_images.all():
        with item.image.file.open() as handle:
            opened = PILImage.open(handle)
            sizes.add(opened.size)
            colours.add(opened.convert("RGB").resize((1, 1)).getpixel((0, 0)))  # the picture's average colour
    assert sizes == {(1200, 900)}
    assert len(colours) == mug.gallery_images.count()  # different scenes, not one picture three times
    assert client.get("/shop/").status_code == 200


def test_seed_twice_changes_nothing(home_page):
    demo.seed(io.StringIO())
    before = _state()
    images = get_image_model().objects.count()

    out = io.StringIO()
    demo.seed(out)

    assert _state() == before
    assert get_image_model().objects.count() == images
    assert ShopIndexPage.objects.count() == 1
    assert "0 products created" in out.getvalue()
    # Physical goods, one digital, and the shipping rates once.
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


def test_seed_upgrades_products_an_older_demo_made_and_leaves_edited_ones_alone(home_page):
    demo.seed(io.StringIO())
    # As the older demo left them (and the gallery migration): the summary again, one picture.
    for sku in ("MUG-001", "PEN-001"):
        product = ProductPage.objects.get(sku=sku)
        product.body = f"<p>{product.summary}</p>"
        product.gallery_images = [ProductImage(image=ImageFactory(), alt_text=product.title)]
        product.save_revision().publish()
    edited = ProductPage.objects.get(sku="PEN-001")
    edited.body = "<p>Our own words.</p>"
    edited.save_revision().publish()

    out = io.StringIO()
    demo.seed(out)

    mug = ProductPage.objects.get(sku="MUG-001")
    assert mug.body == demo.DEMO_DETAILS["MUG-001"][4]
    assert mug.gallery_images.count() == 3
    assert mug.get_latest_revision_as_object().body == mug.body and not mug.has_unpublished_changes
    pen = ProductPage.objects.get(sku="PEN-001")
    assert pen.body == "<p>Our own words.</p>" and pen.gallery_images.count() == 1
    assert "1 products from an older demo" in out.getvalue()
    before = _state()
    demo.seed(io.StringIO())
    assert _state() == before


def test_prepare_renditions_makes_those_the_pages_show_once(make_product):
    # What seed_demo does unless SHOP_DEMO_PREPARE_RENDITIONS is off (the test settings): all 15 products would take
    # half a minute, so here a product of two pictures.
    product = make_product(images=2)
    Rendition = get_image_model().get_rendition_model()

    assert demo.prepare_renditions(ProductPage.objects.filter(pk=product.pk)) == 2
    made = set(Rendition.objects.values_list("image_id", "filter_spec"))
    assert made == {(item.image_id, spec) for item in product.gallery_images.all() for spec in ALL_RENDITIONS}
    count = Rendition.objects.count()
    demo.prepare_renditions(ProductPage.objects.filter(pk=product.pk))
    assert Rendition.objects.count() == count
