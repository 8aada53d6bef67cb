"""Cached Site, route, settings and fragment lookups (website.caching, website.serving) never serve stale pages."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from shop.factories import ProductPageFactory, ShopIndexPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(home_page):
    return ShopIndexPageFactory(parent=home_page)


@pytest.fixture
def mug(shop):
    return ProductPageFactory(parent=shop, title="Stoneware mug", slug="mug", stock_on_hand=20)


def _warm(client, url):
    for _ in range(2):
        assert client.get(url).status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_warm_product_page_costs_one_query(client, mug):
    _warm(client, "/shop/mug/")

    assert _queries(client, "/shop/mug/") == 1


def test_a_warm_home_page_and_listing_cost_one_query_each(client, home_page, mug):
    _warm(client, "/")
    _warm(client, "/shop/")

    assert _queries(client, "/") == 1
    assert _queries(client, "/shop/") == 1


def test_unpublished_page_is_not_served_from_the_cache(client, mug):
    _warm(client, "/shop/mug/")

    mug.unpublish()

    assert client.get("/shop/mug/").status_code == 404


def test_page_unpublished_behind_the_caches_back_is_still_not_served(client, mug):
    _warm(client, "/shop/mug/")

    # A bulk update sends no signal, so the cached route survives; the serve query still requires a live page.
    Page.objects.filter(pk=mug.pk).update(live=False)

    assert client.get("/shop/mug/").status_code == 404


def test_draft_changes_are_not_served_until_published(client, mug):
    _warm(client, "/shop/mug/")

    mug.title = "Porcelain mug"
    revision = mug.save_revision()

    assert "Porcelain mug" not in client.get("/shop/mug/").content.decode()

    revision.publish()

    assert "Porcelain mug" in client.get("/shop/mug/").content.decode()


def test_published_change_shows_on_the_listing_at_once(client, mug):
    _warm(client, "/shop/")

    mug.title = "Porcelain mug"
    mug.save_revision().publish()

    assert "Porcelain mug" in client.get("/shop/").content.decode()


def test_new_product_shows_on_the_cached_listing_at_once(client, shop, mug):
    _warm(client, "/shop/")

    ProductPageFactory(parent=shop, title="Linen apron", slug="apron")

    assert "Linen apron" in client.get("/shop/").content.decode()


def test_stock_saved_on_the_product_changes_its_cached_availability(client, mug):
    _warm(client, "/shop/mug/")

    mug.stock_on_hand = 0
    mug.save()

    assert "Sold out" in client.get("/shop/mug/").content.decode()


def test_stock_changed_without_saving_the_page_still_shows_on_the_product_page(client, mug):
    _warm(client, "/shop/mug/")

    type(mug).objects.filter(pk=mug.pk).update(stock_on_hand=2)

    assert "Only 2 left" in client.get("/shop/mug/").content.decode()


def test_moved_page_answers_at_its_new_url_only(client, home_page, shop, mug):
    other_shop_parent = home_page
    _warm(client, "/shop/mug/")

    shop.slug = "store"
    shop.save_revision().publish()

    assert client.get("/shop/mug/").status_code == 404
    assert client.get("/store/mug/").status_code == 200
    del other_shop_parent


def test_deleted_page_answers_404(client, mug):
    _warm(client, "/shop/mug/")

    mug.delete()

    assert client.get("/shop/mug/").status_code == 404


def test_view_restriction_added_after_caching_is_enforced(client, shop, mug):
    _warm(client, "/shop/mug/")

    PageViewRestriction.objects.create(page=shop, restriction_type=PageViewRestriction.LOGIN)

    response = client.get("/shop/mug/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_group_restriction_keeps_out_members_of_other_groups(client, shop, mug, user):
    restriction = PageViewRestriction.objects.create(page=shop, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Wholesale"))
    client.force_login(user)

    for _ in range(3):
        assert client.get("/shop/mug/").status_code == 302


def test_removing_a_restriction_opens_the_page(client, shop, mug):
    restriction = PageViewRestriction.objects.create(page=shop, restriction_type=PageViewRestriction.LOGIN)
    assert client.get("/shop/mug/").status_code == 302

    restriction.delete()

    assert client.get("/shop/mug/").status_code == 200


def test_header_cart_count_and_csrf_token_stay_per_visitor(client, mug):
    from django.test import Client

    shopper = Client()
    shopper.post("/cart/add/", {"product": mug.pk, "quantity": 3})
    _warm(client, "/shop/mug/")

    shopper_html = shopper.get("/shop/mug/").content.decode()
    visitor_html = client.get("/shop/mug/").content.decode()

    assert "3 items in cart" in shopper_html
    assert "items in cart" not in visitor_html
    assert shopper.cookies["csrftoken"].value != client.cookies["csrftoken"].value


def test_signed_in_state_is_not_shared_through_the_cache(client, home_page, user):
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(user)
    _warm(signed_in, "/")

    assert "Sign out" in signed_in.get("/").content.decode()
    html = client.get("/").content.decode()
    assert "Sign out" not in html
    assert "Sign in" in html


def test_site_branding_change_shows_on_a_cached_page(client, site, home_page):
    from website.models import SiteBranding

    _warm(client, "/")
    branding = SiteBranding.for_site(site)
    branding.site_name = "Acme Goods"
    branding.save()

    assert "Acme Goods" in client.get("/").content.decode()


def test_unknown_path_is_404_and_not_cached_as_a_page(client, home_page):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404


def test_breadcrumb_links_to_the_shop_without_loading_the_parent(client, mug):
    assert 'href="/shop/">Shop</a>' in client.get("/shop/mug/").content.decode()


def test_prepared_serve_query_builds_the_same_page_as_the_orm(mug):
    from shop.models import ProductPage
    from website.serving import load_live_page

    mug.save_revision().publish()
    loaded = load_live_page(ProductPage, page_id=mug.pk, url_path=mug.url_path)
    expected = ProductPage.get_serve_queryset().get(pk=mug.pk)

    for field in ProductPage._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.attname
    assert loaded.first_published_at.tzinfo is not None
    assert loaded.available_quantity == expected.available_quantity == 20


def test_prepared_serve_query_finds_nothing_for_a_draft_or_a_wrong_url(mug):
    from shop.models import ProductPage
    from website.serving import load_live_page

    assert load_live_page(ProductPage, page_id=mug.pk, url_path="/home/elsewhere/") is None
    mug.unpublish()
    assert load_live_page(ProductPage, page_id=mug.pk, url_path=mug.url_path) is None


def test_serve_query_with_a_python_computed_time_is_not_reused(monkeypatch, mug):
    from django.db.models import Q
    from django.utils import timezone

    from shop.models import ProductPage
    from website import serving

    monkeypatch.setattr(
        ProductPage,
        "get_serve_queryset",
        classmethod(lambda cls: cls.objects.filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))),
    )
    monkeypatch.setattr(serving, "_prepared", {})

    assert serving.load_live_page(ProductPage, page_id=mug.pk, url_path=mug.url_path) == mug
    assert serving._prepared[(ProductPage, "default")] is None


def test_an_order_saved_retires_the_cached_listing(client, mug, user):
    from shop.models import Order, ProductPage

    _warm(client, "/shop/")
    ProductPage.objects.filter(pk=mug.pk).update(stock_on_hand=0)  # what payment does: no page signal
    assert "Sold out" not in client.get("/shop/").content.decode()

    Order.objects.create(number="T-1", user=user, currency="USD", total_amount=1800)

    assert "Sold out" in client.get("/shop/").content.decode()
