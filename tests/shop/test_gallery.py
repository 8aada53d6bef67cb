"""Product galleries: ordered images with alt text, shown as responsive pictures, read in a fixed number of queries."""

from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from shop.factories import CartFactory, ImageFactory, LineItemFactory, ProductImageFactory
from shop.models import ProductImage, ProductPage
from shop.selectors import CART_SESSION_KEY
from shop.shipping import order_payment_lines

pytestmark = pytest.mark.django_db


def photo(title="photo"):
    """An image the size of a real product photo, so every rendition size exists."""
    return ImageFactory(title=title, file__width=1600, file__height=1200, file__filename=f"{title}.jpg")


class Tags(HTMLParser):
    """The page's <img>, <source> and <a> tags with their attributes, in order, and the <picture> each sits in."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.picture = [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "picture":
            self.picture += 1
        if tag in ("img", "source", "a", "script"):
            self.tags.append((tag, dict(attrs), self.picture))

    def of(self, tag, **wanted):
        return [
            attrs for name, attrs, _ in self.tags if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]

    def in_picture(self, number):
        return [(name, attrs) for name, attrs, picture in self.tags if picture == number and name in ("img", "source")]


# --- The model ---------------------------------------------------------------------------------------------------


def test_gallery_keeps_the_editors_order_and_the_first_is_the_main_image(make_product):
    product = make_product()
    third = ProductImageFactory(page=product, sort_order=2, alt_text="third")
    first = ProductImageFactory(page=product, sort_order=0, alt_text="first")
    second = ProductImageFactory(page=product, sort_order=1, alt_text="second")

    product = ProductPage.objects.get(pk=product.pk)
    assert list(product.gallery_images.all()) == [first, second, third]
    assert product.main_image == first
    assert make_product().main_image is None


def test_alt_text_is_required(make_product):
    item = ProductImage(page=make_product(), image=ImageFactory(), alt_text="")

    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "alt_text" in error.value.message_dict


def test_an_editor_adds_and_orders_images_with_alt_text_in_the_admin(client, admin_user, shop_index):
    back, front = photo("back"), photo("front")
    client.force_login(admin_user)
    data = {
        "title": "Brass pen",
        "slug": "brass-pen",
        "sku": "PEN-9",
        "summary": "Machined brass.",
        "body": '{"blocks": [], "entityMap": {}}',
        "price_amount": "4500",
        "price_currency": "USD",
        "action-publish": "publish",
        "options": inline_formset([]),
        "variants": inline_formset([]),
    }
    gallery = [
        {"image": back.pk, "alt_text": "The pen's back", "ORDER": 2},
        {"image": front.pk, "alt_text": "The pen from the front", "ORDER": 1},
    ]
    url = f"/admin/pages/add/shop/productpage/{shop_index.pk}/"

    missing_alt = nested_form_data({**data, "gallery_images": inline_formset([{"image": back.pk, "alt_text": ""}])})
    assert client.post(url, missing_alt).status_code == 200  # the form again, with the error
    assert not ProductPage.objects.filter(sku="PEN-9").exists()

    response = client.post(url, nested_form_data({**data, "gallery_images": inline_formset(gallery)}))
    assert response.status_code == 302
    product = ProductPage.objects.get(sku="PEN-9")
    assert [(item.image, item.alt_text) for item in product.gallery_images.all()] == [
        (front, "The pen from the front"),
        (back, "The pen's back"),
    ]


# --- The product page --------------------------------------------------------------------------------------------


def test_product_page_shows_the_gallery_as_responsive_pictures(client, make_product):
    product = make_product(images=[photo("a"), photo("b"), photo("c")])
    alts = [item.alt_text for item in product.gallery_images.all()]

    tags = Tags(client.get(product.url).content.decode())

    main = tags.of("img", **{"class": "gallery__image"})
    assert [img["alt"] for img in main] == alts
    for img in main:
        assert (img["width"], img["height"]) == ("600", "450")
        assert "600w" in img["srcset"] and "1200w" in img["srcset"] and img["src"].endswith(".jpg")
        assert img["sizes"] == "(max-width: 40rem) calc(100vw - 2rem), 35rem"
    # The first picture is the page's largest content: fetched first, never lazily; the others when scrolled to.
    assert main[0]["fetchpriority"] == "high" and "loading" not in main[0]
    assert all(img["loading"] == "lazy" and "fetchpriority" not in img for img in main[1:])
    # AVIF, then WebP, then the JPEG <img>, each in two widths.
    first_picture = tags.in_picture(1)
    assert [(name, attrs.get("type")) for name, attrs in first_picture] == [
        ("source", "image/avif"),
        ("source", "image/webp"),
        ("img", None),
    ]
    assert ".avif 600w" in first_picture[0][1]["srcset"] and ".avif 1200w" in first_picture[0][1]["srcset"]
    assert first_picture[0][1]["sizes"] == main[0]["sizes"]
    # Thumbnails: links to each picture, named by its alt text (their own image is decorative), loaded lazily.
    thumbs = tags.of("a", **{"class": "gallery__thumb"})
    assert [a["href"] for a in thumbs] == ["#product-image-1", "#product-image-2", "#product-image-3"]
    assert all(
        img["alt"] == "" and img["loading"] == "lazy" for img in tags.of("img", **{"class": "gallery__thumb-image"})
    )
    html = client.get(product.url).content.decode()
    for number, alt in enumerate(alts, start=1):
        assert f'id="product-image-{number}"' in html
        assert f"Picture {number} of 3: {alt}</span>" in html
    assert tags.of("script", src="/static/js/gallery.js")


def test_product_page_with_one_image_has_no_thumbnails_and_without_images_no_gallery(client, make_product):
    one = make_product(images=[photo()])
    html = client.get(one.url).content.decode()
    assert 'class="gallery__image"' in html and "gallery__thumb" not in html
    assert 'tabindex="0"' not in html  # nothing to scroll: no extra stop for the keyboard

    none = make_product()
    assert "gallery" not in client.get(none.url).content.decode().split("<main", 1)[1].split("</article>")[0]


def test_listing_card_shows_the_first_image_linked_to_the_product(client, make_product):
    product = make_product(title="Wool cap")
    ProductImageFactory(page=product, image=photo("second"), sort_order=1)
    ProductImageFactory(page=product, image=photo("first"), sort_order=0, alt_text="The cap")

    tags = Tags(client.get("/shop/").content.decode())

    links = tags.of("a", href=product.url)
    assert len(links) == 2
    # The picture's link is out of the tab order and hidden from screen readers: one link per card for them.
    assert links[0] == {"href": product.url, "class": "product-card__media", "tabindex": "-1", "aria-hidden": "true"}
    card = tags.of("img", **{"class": "product-card__image"})
    assert len(card) == 1
    assert "first" in card[0]["src"] and card[0]["alt"] == ""
    assert (card[0]["width"], card[0]["height"]) == ("300", "225")
    assert "300w" in card[0]["srcset"] and "600w" in card[0]["srcset"] and card[0]["sizes"]
    assert [attrs.get("type") for name, attrs in tags.in_picture(1)] == ["image/avif", "image/webp", None]


def test_cart_and_checkout_show_the_first_image(client, make_product):
    product = make_product(title="Wool cap")
    ProductImageFactory(page=product, image=photo("later"), sort_order=1)
    ProductImageFactory(page=product, image=photo("main"), sort_order=0)
    cart = CartFactory()
    session = client.session
    session[CART_SESSION_KEY] = cart.pk
    session.save()
    LineItemFactory(cart=cart, product=product)

    img = Tags(client.get("/cart/").content.decode()).of("img", **{"class": "cart-line__image"})
    assert len(img) == 1 and "main" in img[0]["src"] and "fill-120x90" in img[0]["src"]

    from shop.models import Order

    order = Order.objects.create(currency="USD", total_amount=1250)
    order.lines.create(product=product, title=product.title, unit_price_amount=1250, quantity=1)
    order.lines.create(product=None, title="Gone", unit_price_amount=1250, quantity=1)
    lines = order_payment_lines(order)
    assert "main" in lines[0].image_url and "fill-300x300" in lines[0].image_url
    assert lines[1].image_url == ""


# --- Queries: the same for 1 image as for 5 ----------------------------------------------------------------------


def cold_queries(client, url) -> int:
    client.get(url)  # renditions are made on first showing
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_product_page_costs_the_same_queries_for_1_and_5_images(client, make_product):
    one = make_product(images=[photo()])
    five = make_product(images=[photo() for _ in range(5)])

    assert cold_queries(client, one.url) == cold_queries(client, five.url)


def test_listing_and_cart_cost_the_same_queries_for_products_of_1_and_5_images(client, make_product):
    products = [make_product(images=[photo()]) for _ in range(3)]
    cart = CartFactory()
    session = client.session
    session[CART_SESSION_KEY] = cart.pk
    session.save()
    for product in products:
        LineItemFactory(cart=cart, product=product)
    few = cold_queries(client, "/shop/"), cold_queries(client, "/cart/")

    for product in products:
        for position in range(1, 5):
            ProductImageFactory(page=product, image=photo(), sort_order=position)
    many = cold_queries(client, "/shop/"), cold_queries(client, "/cart/")

    assert few == many


def test_preview_shows_the_unsaved_gallery(client, admin_user, make_product):
    product = make_product(images=[photo("saved")])
    client.force_login(admin_user)
    data = {
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "price_amount": f"{product.price_amount / 100:.2f}",  # as the admin shows it
        "price_currency": product.price_currency,
        "options": inline_formset([]),
        "variants": inline_formset([{"id": v.pk, "sku": v.sku} for v in product.variants.all()], initial=1),
    }
    gallery = [{"image": photo("new").pk, "alt_text": "A picture not saved yet", "ORDER": 1}]
    url = f"/admin/pages/{product.pk}/edit/preview/"

    client.post(url, nested_form_data({**data, "gallery_images": inline_formset(gallery)}))
    html = client.get(url).content.decode()

    main = Tags(html).of("img", **{"class": "gallery__image"})
    saved = product.gallery_images.get().alt_text
    assert [img["alt"] for img in main] == [saved, "A picture not saved yet"]
    assert "images/new" in main[1]["src"]
    assert ProductPage.objects.get(pk=product.pk).gallery_images.count() == 1
