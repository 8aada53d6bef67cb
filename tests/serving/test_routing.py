"""serving.routing: the root page routes every URL to what Wagtail's own walk gives, in fewer queries; a page on
the way that routes its own children gets Wagtail's walk; the served page's view restrictions are read once."""

import pytest
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from serving.routing import route_below
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import ProductPage, ShopIndexPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(home_page):
    shop = ShopIndexPageFactory(parent=home_page, slug="shop")
    board = JobIndexPageFactory(parent=home_page)
    mug = ProductPageFactory(parent=shop, slug="mug")
    draft = ProductPageFactory(parent=shop, slug="draft-mug", live=False)
    job = JobPageFactory(parent=board, slug="engineer")
    record_payment(job)
    return {"home": home_page, "shop": shop, "board": board, "mug": mug, "draft": draft, "job": job}


def wagtail_walk(home, request, components):
    """Wagtail's own route(), level by level, from the root page."""
    return Page.route(home, request, components)


def outcome(route, home, components):
    request = RequestFactory().get("/" + "/".join(components))
    try:
        result = route(home, request, components)
    except Http404:
        return "404"
    page, args, kwargs = result
    return (type(page), page.pk, tuple(args), tuple(sorted(kwargs.items())))


PATHS = [
    [],
    ["shop"],
    ["shop", "mug"],
    ["shop", "draft-mug"],  # not live: 404
    ["shop", "nothing"],
    ["nothing"],
    ["nothing", "mug"],  # a real slug under a wrong parent
    ["jobs"],
    ["jobs", "engineer"],
    ["jobs", "mug"],  # a product's slug under the board
    ["shop", "mug", "deeper"],
]


@pytest.mark.parametrize("components", PATHS, ids=lambda c: "/".join(c) or "root")
def test_the_root_page_routes_every_url_as_wagtails_walk_does(tree, components):
    home = tree["home"]
    assert outcome(type(home).route, home, components) == outcome(wagtail_walk, home, components)


def test_an_unpublished_section_still_routes_to_its_live_page_as_wagtail_does(tree):
    tree["shop"].unpublish()
    home = tree["home"]
    assert outcome(type(home).route, home, ["shop", "mug"]) == outcome(wagtail_walk, home, ["shop", "mug"])
    assert outcome(type(home).route, home, ["shop", "mug"])[1] == tree["mug"].pk


def test_a_moved_page_routes_at_its_new_url_only(tree):
    home = tree["home"]
    tree["mug"].move(tree["board"], pos="last-child")
    assert outcome(type(home).route, home, ["shop", "mug"]) == "404"
    assert outcome(type(home).route, home, ["jobs", "mug"])[1] == tree["mug"].pk


def test_the_page_is_loaded_specific_with_what_it_shows_in_two_queries(tree):
    request = RequestFactory().get("/shop/mug/")
    available = ProductPage.objects.get(pk=tree["mug"].pk).available_quantity
    route_below(tree["home"], request, ["shop", "mug"])  # content types are read once per process
    with CaptureQueriesContext(connection) as queries:
        page, _args, _kwargs = route_below(tree["home"], request, ["shop", "mug"])
        assert isinstance(page, ProductPage)
        assert page.available_quantity == available
        page.cache_seconds_until_change()
    assert len(queries.captured_queries) == 2


def test_a_page_on_the_way_that_routes_its_own_children_gets_wagtails_walk(tree, monkeypatch):
    seen = []

    def own_route(self, request, path_components):
        seen.append(path_components)
        return Page.route(self, request, path_components)

    monkeypatch.setattr(ShopIndexPage, "route", own_route)
    request = RequestFactory().get("/shop/mug/")
    assert route_below(tree["home"], request, ["shop", "mug"]) is None
    page, _args, _kwargs = type(tree["home"]).route(tree["home"], request, ["shop", "mug"])
    assert page.pk == tree["mug"].pk
    assert seen == [["mug"]]


def test_serving_reads_the_view_restrictions_once_and_still_enforces_them(client, tree):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/shop/mug/").status_code == 200
    # The page's own (its ancestors' included); the header's links read the site's restrictions apart.
    restriction_reads = [
        query
        for query in queries.captured_queries
        if 'FROM "wagtailcore_pageviewrestriction" WHERE "wagtailcore_pageviewrestriction"."page_id" IN' in query["sql"]
    ]
    assert len(restriction_reads) == 1

    PageViewRestriction.objects.create(page=tree["shop"], restriction_type=PageViewRestriction.LOGIN)
    response = client.get("/shop/mug/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "sign-in" in response["Location"] or "next=" in response["Location"]


def test_view_restrictions_outside_serving_are_read_afresh(tree):
    mug = ProductPage.objects.get(pk=tree["mug"].pk)
    assert not mug.get_view_restrictions().exists()
    PageViewRestriction.objects.create(page=tree["shop"], restriction_type=PageViewRestriction.LOGIN)
    assert mug.get_view_restrictions().exists()
