"""deploy/varnish.vcl in front of gunicorn (PostgreSQL; skipped where Debian's `varnish` is not installed): anonymous
pages are shared, sessions pass through, purges come only from the app's address, and a published price change is
seen through Varnish within a second because the app's frontend_cache purge reaches it."""

import time
from pathlib import Path

import pytest
import requests

from billing.money import format_amount
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from tests import processes

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish.vcl"
# The default Site's hostname (website's migrations): the Host the app's purges carry, so visitors send it too.
SITE_HOST = {"Host": "localhost"}

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(processes.varnishd_path() is None, reason="varnishd is not installed (Debian: varnish)"),
]


@pytest.fixture
def product(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    return ProductPageFactory(parent=shop, title="Stoneware mug", price_amount=1800, stock_on_hand=20)


@pytest.fixture
def edge(product):
    with processes.gunicorn(workers=2) as app, processes.varnish(backend=app, vcl=VCL) as varnish:
        yield varnish


def _get(base, path, **headers):
    return requests.get(base + path, headers={**SITE_HOST, **headers}, timeout=30)


def test_an_anonymous_page_is_served_from_varnish(edge, product):
    first = _get(edge, product.url)
    second = _get(edge, product.url)

    assert first.status_code == second.status_code == 200
    assert "Set-Cookie" not in first.headers
    assert second.headers["X-Cache"] == "HIT"
    assert second.text == first.text


def test_a_visitor_with_a_session_or_csrf_cookie_always_reaches_the_app(edge, product):
    _get(edge, product.url)  # an anonymous copy is stored

    for cookie in ("sessionid=abc", "csrftoken=abc", "theme=dark; sessionid=abc"):
        assert _get(edge, product.url, Cookie=cookie).headers["X-Cache"] == "MISS", cookie


def test_purges_from_another_address_are_refused(edge, product):
    _get(edge, product.url)
    stranger = requests.Session()
    # 127.0.0.2 is this machine too, but not the app's address in the VCL's `purgers`.
    stranger.mount("http://", SourceAddressAdapter("127.0.0.2"))

    for method in ("PURGE", "BAN"):
        assert stranger.request(method, edge + product.url, headers=SITE_HOST, timeout=10).status_code == 405

    assert _get(edge, product.url).headers["X-Cache"] == "HIT"


def test_a_published_price_change_is_seen_through_varnish_within_a_second(edge, product, settings):
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": edge}
    }
    _get(edge, product.url)
    assert _get(edge, product.url).headers["X-Cache"] == "HIT"
    new_price = format_amount(2500, "USD")

    product.price_amount = 2500
    product.save_revision().publish()
    published = time.monotonic()

    seen = ""
    while time.monotonic() - published < 1.0:
        seen = _get(edge, product.url).text
        if new_price in seen:
            break
        time.sleep(0.05)
    assert new_price in seen
    assert time.monotonic() - published < 1.0


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connections from a given local address (to play a client that is not the app)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)
