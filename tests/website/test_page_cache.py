"""Whole pages cached for anonymous visitors (website.page_cache): stored and served per page, purged per page,
and never holding a draft, a preview, a restricted page or anything per visitor."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.fulfilment import order_restock
from shop.models import Order, OrderLine, ProductPage
from shop.stock import stock_change, stock_set
from website.page_cache import normalised_query
from website.signals import order_products_purge

pytestmark = pytest.mark.django_db

STATUS = "X-Page-Cache"


@pytest.fixture
def shop(home_page):
    return ShopIndexPageFactory(parent=home_page)


@pytest.fixture
def mug(shop):
    return ProductPageFactory(parent=shop, title="Stoneware mug", slug="mug", price_amount=1800, stock_on_hand=40)


@pytest.fixture
def pen(shop):
    return ProductPageFactory(parent=shop, title="Brass pen", slug="pen", price_amount=4500, stock_on_hand=40)


def warm(client, url):
    """The first request learns the URL's page, the second stores it: the third is a hit."""
    client.get(url)
    client.get(url)
    response = client.get(url)
    assert response[STATUS] == "hit", url
    return response


def test_an_anonymous_page_is_served_from_the_cache_without_the_database(client, mug, django_assert_num_queries):
    warm(client, "/shop/mug/")

    with django_assert_num_queries(0):
        response = client.get("/shop/mug/")

    assert response.status_code == 200
    assert response[STATUS] == "hit"
    assert b"Stoneware mug" in response.content


def test_cacheable_pages_say_so_to_shared_caches_and_others_say_private(client, user, mug):
    anonymous = client.get("/shop/mug/")
    assert "public" in anonymous["Cache-Control"]
    assert "s-maxage" in anonymous["Cache-Control"]

    client.force_login(user)
    signed_in = client.get("/shop/mug/")
    assert "private" in signed_in["Cache-Control"]
    assert "no-store" in signed_in["Cache-Control"]
    assert STATUS not in signed_in


def test_a_visitor_with_a_session_skips_the_cache_and_sees_their_own_cart(client, mug):
    warm(client, "/shop/mug/")
    client.post(reverse("shop:cart_add"), {"product": mug.pk, "quantity": 2})

    response = client.get("/shop/mug/")

    assert STATUS not in response
    assert b'aria-label="2 items in cart"' in response.content


def test_cached_html_holds_no_csrf_token_and_the_form_fills_it_from_the_cookie(client, mug):
    response = warm(client, "/shop/mug/")

    assert b"data-csrf-from-cookie" in response.content
    assert not response.cookies
    # The token the script fetches: /csrf/ sets the visitor's own cookie.
    assert "csrftoken" in client.get("/csrf/").cookies


def test_without_javascript_a_form_from_a_cached_page_comes_back_with_a_token_and_works_the_second_time(mug):
    from django.test import Client

    from shop.models import LineItem

    browser = Client(enforce_csrf_checks=True)  # a browser without JavaScript: the empty token field stays empty
    page = warm(browser, "/shop/mug/")
    assert b'name="csrfmiddlewaretoken" value=""' in page.content

    refused = browser.post("/cart/add/", {"product": mug.pk, "quantity": 1}, HTTP_REFERER="http://testserver/shop/mug/")

    assert refused.status_code == 303 and refused["Location"] == "http://testserver/shop/mug/"
    assert LineItem.objects.count() == 0  # the refused request changed nothing
    again = browser.get("/shop/mug/")
    assert again.get(STATUS) != "hit"  # the visitor now has state: the page is rendered for them, token and message
    assert b"Please send it again" in again.content
    token = browser.cookies["csrftoken"].value
    added = browser.post("/cart/add/", {"product": mug.pk, "quantity": 1, "csrfmiddlewaretoken": token})
    assert added.status_code in (302, 303)
    assert LineItem.objects.get().product_id == mug.pk


def test_a_tokenless_post_from_another_site_gets_djangos_403_not_a_redirect(mug):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(
        "/cart/add/",
        {"product": mug.pk, "quantity": 1},
        HTTP_REFERER="https://evil.example/",
        HTTP_ORIGIN="https://evil.example",
    )

    assert refused.status_code == 403


def test_unknown_query_parameters_share_the_page_entry(client, shop, mug):
    warm(client, "/shop/")

    response = client.get("/shop/?utm_source=mail&fbclid=x")

    assert response[STATUS] == "hit"


def test_the_parameters_a_listing_reads_are_part_of_its_key(client, shop, mug, pen):
    warm(client, "/shop/")

    response = client.get("/shop/?sort=price")

    assert response[STATUS] == "miss"
    assert response.content.index(b"Stoneware mug") < response.content.index(b"Brass pen")


def test_query_normalisation_keeps_only_declared_parameters_in_a_fixed_order(rf):
    request = rf.get("/shop/?utm=1&sort=price&q=mug&page=2")

    assert normalised_query(request.GET, ("q", "sort", "page")) == "page=2&q=mug&sort=price"


def test_publishing_a_price_change_purges_the_product_and_its_listing(client, shop, mug):
    warm(client, "/shop/mug/")
    warm(client, "/shop/")

    mug.price_amount = 2100
    mug.save_revision().publish()

    product = client.get("/shop/mug/")
    listing = client.get("/shop/")
    assert product[STATUS] == "miss" and b"$21.00" in product.content
    assert listing[STATUS] == "miss" and b"$21.00" in listing.content


def test_unpublishing_a_page_stops_serving_it_at_once(client, mug):
    warm(client, "/shop/mug/")

    mug.unpublish()

    assert client.get("/shop/mug/").status_code == 404


def test_a_page_put_under_a_view_restriction_is_purged_and_never_stored(client, mug):
    warm(client, "/shop/mug/")

    PageViewRestriction.objects.create(page=mug, restriction_type=PageViewRestriction.LOGIN)

    for _ in range(3):
        response = client.get("/shop/mug/")
        assert response.status_code == 302
        assert STATUS not in response


def test_a_group_restricted_page_is_never_cached_even_for_the_first_visitor(client, mug):
    restriction = PageViewRestriction.objects.create(page=mug, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name="Editors"))

    for _ in range(3):
        assert STATUS not in client.get("/shop/mug/")


def test_an_order_for_one_product_leaves_another_product_cached(client, user, shop, mug, pen):
    stock_set(product=mug, quantity=3)
    warm(client, "/shop/mug/")
    warm(client, "/shop/pen/")
    order = Order.objects.create(number="ORD-1", user=user, currency="USD", total_amount=1800, status="paid")
    OrderLine.objects.create(order=order, product=mug, title="Stoneware mug", unit_price_amount=1800, quantity=1)

    stock_change(product_id=mug.pk, delta=-1)
    order_products_purge(order_id=order.pk)

    assert client.get("/shop/pen/")[STATUS] == "hit"
    mug_page = client.get("/shop/mug/")
    assert mug_page[STATUS] == "miss"
    assert b"Only 2 left" in mug_page.content


def test_a_sale_that_changes_nothing_visible_keeps_the_product_cached(client, user, mug):
    warm(client, "/shop/mug/")
    order = Order.objects.create(number="ORD-2", user=user, currency="USD", total_amount=1800, status="paid")
    OrderLine.objects.create(order=order, product=mug, title="Stoneware mug", unit_price_amount=1800, quantity=1)

    stock_change(product_id=mug.pk, delta=-1)
    order_products_purge(order_id=order.pk)

    assert client.get("/shop/mug/")[STATUS] == "hit"


def test_a_restock_purges_the_product_it_put_back(client, user, mug, django_capture_on_commit_callbacks):
    stock_set(product=mug, quantity=0)
    order = Order.objects.create(number="ORD-3", user=user, currency="USD", total_amount=1800, status="paid")
    OrderLine.objects.create(order=order, product=mug, title="Stoneware mug", unit_price_amount=1800, quantity=2)
    warm(client, "/shop/mug/")
    assert b"Sold out" in client.get("/shop/mug/").content

    with django_capture_on_commit_callbacks(execute=True):
        order_restock(order_id=order.pk)

    response = client.get("/shop/mug/")
    assert response[STATUS] == "miss"
    assert b"Only 2 left" in response.content


def test_an_editors_stock_change_purges_the_product(client, mug):
    warm(client, "/shop/mug/")

    stock_set(product=ProductPage.objects.get(pk=mug.pk), quantity=0)

    response = client.get("/shop/mug/")
    assert response[STATUS] == "miss"
    assert b"Sold out" in response.content


def test_a_paid_job_appears_on_the_cached_board_at_once(client, home_page):
    board = JobIndexPageFactory(parent=home_page)
    warm(client, "/jobs/")
    job = JobPageFactory(parent=board, title="Rust developer", slug="rust-developer")

    record_payment(job)

    response = client.get("/jobs/")
    assert response[STATUS] == "miss"
    assert b"Rust developer" in response.content


def _preview(client, page, **changes):
    data = {"title": page.title, "slug": page.slug, **changes}
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    client.post(url, data)
    return client.get(url)


@pytest.mark.parametrize("kind", ["product", "home", "job"])
def test_a_previewed_draft_never_reaches_the_public(client, admin_user, home_page, shop, mug, kind):
    """The DRAFT-LEAK steps: save a draft titled "DRAFT-LEAK", open Preview, then GET the page anonymously."""
    if kind == "product":
        page, url = ProductPage.objects.get(pk=mug.pk), "/shop/mug/"
        fields = {"sku": page.sku, "price_amount": page.price_amount, "price_currency": page.price_currency}
        fields.update(nested_form_data({"gallery_images": inline_formset([])}))
    elif kind == "home":
        page, url, fields = home_page, "/", {}
    else:
        board = JobIndexPageFactory(parent=home_page)
        page = JobPageFactory(parent=board, title="Python developer", slug="python-developer")
        record_payment(page)
        page.refresh_from_db()
        url = "/jobs/python-developer/"
        fields = {
            "company": page.company,
            "employment_type": page.employment_type,
            "description": '{"blocks": [{"key": "a", "text": "Build things.", "type": "unstyled", "depth": 0, '
            '"inlineStyleRanges": [], "entityRanges": [], "data": {}}], "entityMap": {}}',
            "how_to_apply": page.how_to_apply,
            "salary_currency": page.salary_currency,
        }
    anonymous = client.__class__()
    warm(anonymous, url)

    page.title = "DRAFT-LEAK"
    page.save_revision()
    client.force_login(admin_user)
    preview = _preview(client, page, **fields)
    assert b"DRAFT-LEAK" in preview.content

    for _ in range(3):
        response = anonymous.get(url)
        assert response.status_code == 200
        assert b"DRAFT-LEAK" not in response.content


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:  # no server, no route: the test is skipped
        return False


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_answers(REDIS_TEST_URL), reason="Redis is not running on 127.0.0.1:6379")
def test_pages_are_stored_in_and_purged_from_redis_as_production_runs_it(client, settings, mug):
    """Production's cache (Redis, shared by every process): a stored response survives pickling and a purge made
    by any process retires it for all."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": "test-page-cache",
        }
    }
    from django.core.cache import cache

    cache.clear()
    try:
        response = warm(client, "/shop/mug/")
        assert b"$18.00" in response.content

        mug.price_amount = 2100
        mug.save_revision().publish()

        changed = client.get("/shop/mug/")
        assert changed[STATUS] == "miss"
        assert b"$21.00" in changed.content
    finally:
        cache.clear()
