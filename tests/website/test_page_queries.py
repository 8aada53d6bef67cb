"""The uncached path: every public page costs the same small number of queries for a few products and listings
as for many (measured cold: the page cache emptied before each request)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ProductPageFactory, ShopIndexPageFactory

pytestmark = pytest.mark.django_db

# The most each public page may cost cold. Every page: the Site, the root page, the route (one query for the
# chain of url_paths, one for the page itself: serving.routing), its view restrictions (two, shared by both checks),
# the site branding, and the header's section links (two: a shared cache entry, emptied here with the rest of the
# cache). Then its own rows: a product's variants with their availability (and its options, when a variant has
# option values), image and rendition; a listing's public filter, count, page, thumbnails
# (two) and the first moment its availability changes; a job's tags.
QUERY_BUDGETS = {"/": 8, "product": 13, "job": 11, "/shop/": 16, "/jobs/": 15}


@pytest.fixture
def catalogue(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    board = JobIndexPageFactory(parent=home_page)

    def grow(count):
        for _ in range(count):
            ProductPageFactory(parent=shop, images=1)
            job = JobPageFactory(parent=board)
            job.tags.add("python", "remote")
            job.save()
            record_payment(job)

    return grow


def cold_queries(client, url) -> int:
    client.get(url)  # rows made on first use (site settings) are not the page's cost
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


PAGES = ["/", "/shop/", "/shop/?sort=price&page=1", "/jobs/", "/jobs/?tag=python", "product", "job"]


def resolve(url):
    from jobs.models import JobPage
    from shop.models import ProductPage

    if url == "product":
        return ProductPage.objects.live().first().url
    if url == "job":
        return JobPage.objects.live().first().url
    return url


@pytest.mark.parametrize("url", PAGES)
def test_a_public_page_costs_the_same_queries_for_few_and_many_rows(client, catalogue, url, django_assert_num_queries):
    catalogue(2)
    budget = QUERY_BUDGETS[url.partition("?")[0]]
    url = resolve(url)
    few = cold_queries(client, url)
    assert few <= budget, url
    catalogue(10)
    client.get(url)  # thumbnails of the new products are made on their first showing
    cache.clear()

    with django_assert_num_queries(few):
        client.get(url)


def test_the_cart_page_costs_the_same_queries_for_few_and_many_lines(client, catalogue, django_assert_num_queries):
    from shop.models import ProductPage

    catalogue(12)
    products = list(ProductPage.objects.live())
    for product in products[:2]:
        client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    few = cold_queries(client, "/cart/")
    for product in products[2:]:
        client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    client.get("/cart/")
    cache.clear()

    with django_assert_num_queries(few):
        client.get("/cart/")


def test_a_view_outside_wagtail_reads_the_site_branding_without_finding_the_site(client, catalogue):
    from shop.models import ProductPage
    from website.models import SiteBranding

    catalogue(1)
    product = ProductPage.objects.live().first()
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    SiteBranding.load()  # the row, made on first use
    client.get("/cart/")  # fills the shared entries (the header's links, the sites' root paths), as in production
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cart/")
    assert response.status_code == 200
    assert not [query for query in queries.captured_queries if "wagtailcore_site" in query["sql"]]
    html = response.content.decode()
    assert f'<a href="{product.url}">' in html
    assert product.url.startswith("/shop/")
