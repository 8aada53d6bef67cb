"""Several processes, as production runs them (PostgreSQL, Redis): two gunicorn processes share one Redis cache, and
two django-q2 clusters share one Redis broker. A change made through one web process is served by the other on the
next request; each schedule runs once per period, not once per cluster.

Every server here is a real process on a free loopback port (tests/processes.py), reading this test's committed rows.
"""

import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_q.models import Schedule, Task

from billing.money import format_amount
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from tests import processes
from tests.admin_client import WagtailAdmin
from website.factories import SuperuserFactory
from website.schedules import SCHEDULES, schedules_sync

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(processes.redis_server_path() is None, reason="redis-server is not installed"),
]

EDITOR_PASSWORD = "editor-pass-1234"
# The clusters' Stripe calls (the reconciliation schedule) go to a closed loopback port, never to Stripe.
NO_STRIPE = {"STRIPE_API_BASE": "http://127.0.0.1:9"}


@pytest.fixture
def redis_url():
    with processes.redis_server() as url:
        yield url


@pytest.fixture
def product(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    return ProductPageFactory(parent=shop, title="Stoneware mug", price_amount=1800, stock_on_hand=20)


@pytest.fixture
def web(product, redis_url):
    """Two gunicorn processes (A and B) on one Redis cache, and an editor signed in to A's Wagtail admin."""
    SuperuserFactory(username="editor", password=EDITOR_PASSWORD)
    env = {"REDIS_URL": redis_url, **NO_STRIPE}
    with processes.gunicorn(env=env) as first, processes.gunicorn(env=env) as second:
        yield first, second, WagtailAdmin(first, username="editor", password=EDITOR_PASSWORD)


def _get(base: str, path: str) -> requests.Response:
    return requests.get(base + path, allow_redirects=False, timeout=30)


def _warm(bases, path):
    """Both processes serve (and cache) the page first, so a stale copy would have somewhere to hide."""
    for base in bases:
        for _ in range(2):
            assert _get(base, path).status_code == 200


def test_a_price_published_through_one_process_is_served_by_the_other_at_once(web, product):
    first, second, admin = web
    _warm([first, second], product.url)
    assert format_amount(1800, "USD") in _get(second, product.url).text

    admin.publish(product.pk, price_amount="25.00")  # typed as the admin shows prices

    page = _get(second, product.url)
    assert format_amount(2500, "USD") in page.text
    assert format_amount(1800, "USD") not in page.text
    assert format_amount(2500, "USD") in _get(second, "/shop/").text


def test_a_page_unpublished_through_one_process_is_gone_from_the_other_at_once(web, product):
    first, second, admin = web
    _warm([first, second], product.url)

    admin.unpublish(product.pk)

    assert _get(second, product.url).status_code == 404
    assert "Stoneware mug" not in _get(second, "/shop/").text


def test_a_view_restriction_added_through_one_process_is_enforced_by_the_other_at_once(web, product):
    first, second, admin = web
    _warm([first, second], product.url)

    admin.restrict_to_signed_in_visitors(product.pk)

    page = _get(second, product.url)
    assert page.status_code == 302
    assert "/login/" in page.headers["Location"]
    assert "Stoneware mug" not in _get(second, "/shop/").text


def test_each_schedule_runs_once_per_period_with_two_clusters(redis_url):
    """Both clusters find every schedule due at the same moment; each still runs once (django-q2's scheduler takes
    the due rows under SELECT ... FOR UPDATE, and the second cluster finds them already moved to the next period)."""
    schedules_sync()
    due = timezone.now() - timedelta(seconds=1)
    Schedule.objects.update(next_run=due)
    names = [spec.name for spec in SCHEDULES]
    env = {"REDIS_URL": redis_url, **NO_STRIPE}

    with processes.qcluster(env=env), processes.qcluster(env=env):
        # django-q2 calls its scheduler 30 s after a cluster starts, then every 30 s: wait for both first calls.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and Task.objects.filter(group__in=names).values(
            "group"
        ).distinct().count() < len(names):
            time.sleep(1)
        time.sleep(10)
        runs = {name: Task.objects.filter(group=name).count() for name in names}

    assert runs == dict.fromkeys(names, 1)
    for schedule in Schedule.objects.filter(name__in=names):
        assert schedule.next_run > due + timedelta(minutes=1) - timedelta(seconds=1), schedule.name
