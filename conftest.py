"""Fixtures every test may need: the page tree, the site and users. App fixtures live beside them."""

import pytest
from wagtail.models import Page, Site

from website.factories import SuperuserFactory, UserFactory
from website.models import HomePage


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
    """Tests marked `postgres` need PostgreSQL's row locks and concurrency; on SQLite they skip."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
