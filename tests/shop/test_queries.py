"""The number of SQL queries a page costs must not grow with the number of products or lines."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.factories import CartFactory, LineItemFactory
from shop.selectors import CART_SESSION_KEY
from shop.stock import stock_set

pytestmark = pytest.mark.django_db


def _queries_for(client, url):
    client.get(url)  # first request generates renditions and warms per-process caches
    if not url.startswith("/cart/"):
        cache.clear()  # the uncached path: the page cache would answer an anonymous repeat with no query
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _stock_shop(make_product, count):
    for _ in range(count):
        product = make_product(images=1)
        product.title = f"Item {product.pk}"
        product.save()
        stock_set(product=product, quantity=product.pk % 7)


@pytest.mark.parametrize("url", ["/shop/", "/shop/?sort=-price", "/shop/?q=item"])
def test_listing_costs_the_same_queries_for_3_and_24_products(client, make_product, url):
    _stock_shop(make_product, 3)
    few = _queries_for(client, url)

    _stock_shop(make_product, 21)
    many = _queries_for(client, url)

    assert few == many


def test_listing_costs_the_same_queries_for_a_full_page_as_for_a_small_one(client, make_product):
    _stock_shop(make_product, 3)
    few = _queries_for(client, "/shop/")

    _stock_shop(make_product, 27)
    many = _queries_for(client, "/shop/")

    assert few == many


def test_cart_page_costs_the_same_queries_for_1_and_12_lines(client, make_product):
    cart = CartFactory()
    session = client.session
    session[CART_SESSION_KEY] = cart.pk
    session.save()
    LineItemFactory(cart=cart, product=make_product(images=1), quantity=1)
    few = _queries_for(client, "/cart/")

    for _ in range(11):
        LineItemFactory(cart=cart, product=make_product(images=1), quantity=2)
    many = _queries_for(client, "/cart/")

    assert few == many


def test_header_item_count_costs_one_query_and_creates_no_cart(rf, user, product):
    from django.contrib.sessions.backends.db import SessionStore

    from shop.context_processors import cart
    from shop.models import Cart

    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=4)
    request = rf.get("/")
    request.session = SessionStore()
    request.user = user

    with CaptureQueriesContext(connection) as queries:
        context = cart(request)

    assert context == {"cart_item_count": 4}
    assert len(queries) == 1

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert cart(request) == {"cart_item_count": None}
    assert len(queries) == 0
    assert Cart.objects.count() == 1


def _anonymous_cart(client, make_product, lines: int, *, image: bool):
    cart = CartFactory()
    session = client.session
    session[CART_SESSION_KEY] = cart.pk
    session.save()
    for _ in range(lines):
        LineItemFactory(cart=cart, product=make_product(images=1 if image else 0), quantity=2)
    return cart


def test_cart_page_reads_the_session_and_the_cart_with_its_lines_and_products_in_two_queries(client, make_product):
    _anonymous_cart(client, make_product, 3, image=False)

    # The session, then lines + cart + products + availability; then the site branding (a generic setting: no Site
    # lookup, and the products' links come from Wagtail's cached site root paths).
    assert _queries_for(client, "/cart/") == 3


def test_cart_page_header_count_comes_from_the_summary_the_page_built(client, make_product):
    _anonymous_cart(client, make_product, 3, image=False)
    client.get("/cart/")

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/cart/").content.decode()

    assert 'aria-label="6 items in cart">6</span>' in html
    # No aggregate of its own for the badge: the lines were read once.
    assert sum('FROM "shop_lineitem"' in query["sql"] for query in queries.captured_queries) == 1


def test_cart_page_with_images_adds_only_the_image_and_thumbnail_queries(client, make_product):
    _anonymous_cart(client, make_product, 3, image=True)

    assert _queries_for(client, "/cart/") == 5  # the three above, then the images and their thumbnails
    assert 'class="cart-line__image"' in client.get("/cart/").content.decode()
