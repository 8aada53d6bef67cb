"""A product or job listing under a Wagtail view restriction (password, sign-in, groups) is not public: it is not
listed on /shop/ or /jobs/, in search, the job feed or the sitemap, and it cannot be added to a cart."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import LineItem

pytestmark = pytest.mark.django_db

RESTRICTIONS = [
    {"restriction_type": PageViewRestriction.PASSWORD, "password": "open-sesame"},
    {"restriction_type": PageViewRestriction.LOGIN},
    {"restriction_type": PageViewRestriction.GROUPS},
]


def restrict(page, **restriction):
    created = PageViewRestriction.objects.create(page=page, **restriction)
    if restriction["restriction_type"] == PageViewRestriction.GROUPS:
        created.groups.add(Group.objects.get(name="Editors"))
    return created


@pytest.fixture
def shop(home_page):
    return ShopIndexPageFactory(parent=home_page)


@pytest.fixture
def products(shop):
    public = ProductPageFactory(parent=shop, title="Public mug", slug="public-mug")
    private = ProductPageFactory(parent=shop, title="Secret lamp", slug="secret-lamp")
    return public, private


@pytest.fixture
def jobs(home_page):
    board = JobIndexPageFactory(parent=home_page)
    public = JobPageFactory(parent=board, title="Public role", slug="public-role")
    private = JobPageFactory(parent=board, title="Secret role", slug="secret-role")
    for job in (public, private):
        record_payment(job)
    return public, private


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=lambda r: r["restriction_type"])
def test_a_private_product_is_not_listed_nor_found(client, products, restriction):
    _public, private = products
    restrict(private, **restriction)

    listing = client.get("/shop/")
    search = client.get("/shop/?q=lamp")

    assert b"Public mug" in listing.content
    assert b"Secret lamp" not in listing.content
    assert b"Secret lamp" not in search.content


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=lambda r: r["restriction_type"])
def test_a_private_product_cannot_be_added_to_a_cart(client, products, restriction):
    _public, private = products
    restrict(private, **restriction)

    response = client.post(reverse("shop:cart_add"), {"product": private.pk, "quantity": 1})

    assert response.status_code >= 400
    assert not LineItem.objects.filter(product=private).exists()


def test_a_public_product_can_still_be_added(client, products):
    public, _private = products

    client.post(reverse("shop:cart_add"), {"product": public.pk, "quantity": 1})

    assert LineItem.objects.filter(product=public).exists()


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=lambda r: r["restriction_type"])
def test_a_private_job_is_not_on_the_board_in_search_or_in_the_feed(client, jobs, restriction):
    _public, private = jobs
    restrict(private, **restriction)

    board = client.get("/jobs/")
    search = client.get("/jobs/?q=Secret")
    feed = client.get(reverse("jobs:feed"))

    assert b"Public role" in board.content
    for response in (board, search, feed):
        assert b"Secret role" not in response.content


def test_private_pages_are_left_out_of_the_sitemap(client, products, jobs):
    restrict(products[1], restriction_type=PageViewRestriction.LOGIN)
    restrict(jobs[1], restriction_type=PageViewRestriction.LOGIN)

    sitemap = client.get("/sitemap.xml").content

    assert b"public-mug" in sitemap and b"public-role" in sitemap
    assert b"secret-lamp" not in sitemap and b"secret-role" not in sitemap


def test_a_restriction_on_the_shop_itself_hides_its_products_from_the_public_listing(client, shop, products):
    restrict(shop, restriction_type=PageViewRestriction.LOGIN)

    response = client.post(reverse("shop:cart_add"), {"product": products[0].pk, "quantity": 1})

    assert response.status_code >= 400
