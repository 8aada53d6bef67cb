"""Fixtures every test may need: the page tree, the site and users. App fixtures live beside them."""

import pytest
from wagtail.models import Page, Site

from website.factories import SuperuserFactory, UserFactory
from website.models import HomePage


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Leave the test database as the migrations made it, for the next `--reuse-db` run.

    A transactional test ends by emptying every table; when one runs last, a reused database would
    start the next session without its page tree, site and groups.
    """
    from django.db import connections

    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    yield
    with django_db_blocker.unblock():
        for alias, contents in serialized.items():
            if not Page.objects.using(alias).exists():
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: cached pages must not leak from a test whose database rows were rolled
    back (website.page_cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()


@pytest.fixture
def home_page(db):
    # The website migrations create the home page and point the default Site at it.
    return HomePage.objects.get()


@pytest.fixture
def site(home_page):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="mallory")


@pytest.fixture
def editor(db):
    return UserFactory(username="eddie", is_staff=True, groups=["Editors"])


@pytest.fixture
def admin_user(db):
    return SuperuserFactory(username="root")


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the data the migrations made (page tree, site, groups),
    and tests marked `postgres` (row locks, real concurrency) skip on SQLite.

    A transactional test ends with a flush that empties every table, so the next one would find no
    home page or Editors group. Serialized rollback reloads them; applying it here means nobody
    has to remember the flag on each live-server or threaded test.
    """
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip_without_postgres = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if not on_postgres and "postgres" in item.keywords:
            item.add_marker(skip_without_postgres)
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
            name in item.fixturenames for name in ("transactional_db", "live_server")
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            # Prepended, so it is the closest django_db marker even over one on the test function.
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


# --- The offline Stripe sandbox (stripe_sandbox/) ------------------------------------------------
# One sandbox per test process (each xdist worker has its own, on its own free port), wiped before
# every test that asks for it. Webhooks are not sent anywhere unless a test says where: tests deliver
# events themselves with `stripe_sandbox.deliver_events(client)`.
@pytest.fixture(scope="session")
def stripe_sandbox_server():
    from django.conf import settings

    from stripe_sandbox.runner import SandboxServer

    server = SandboxServer(webhook_secret=settings.STRIPE_WEBHOOK_SECRET or "whsec_test_sandbox").start()
    yield server
    server.stop()


@pytest.fixture
def stripe_sandbox(stripe_sandbox_server, settings, monkeypatch):
    import stripe

    from stripe_sandbox.testing import StripeSandbox

    # The module-wide stripe settings too, in case a client was configured before settings changed.
    monkeypatch.setattr(stripe, "api_base", stripe_sandbox_server.url)
    monkeypatch.setattr(stripe, "api_key", "sk_test_sandbox")
    settings.STRIPE_API_BASE = stripe_sandbox_server.url
    settings.STRIPE_SECRET_KEY = "sk_test_sandbox"  # noqa: S105 - the sandbox accepts any sk_ key
    settings.STRIPE_WEBHOOK_SECRET = stripe_sandbox_server.sandbox.webhook_secret
    sandbox = StripeSandbox(stripe_sandbox_server, webhook_secret=settings.STRIPE_WEBHOOK_SECRET)
    sandbox.reset()
    yield sandbox
    sandbox.http.close()
