"""`manage.py setup_site`: a freshly migrated database becomes a working site, and running it again changes nothing."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from wagtail.models import Page

from jobs.models import JobIndexPage
from shop.models import ShopIndexPage
from website.site_setup import JOB_POSTERS_GROUP

pytestmark = pytest.mark.django_db


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_setup_site_creates_the_sections_and_the_job_posters_group(client, site):
    call_command("setup_site", stdout=io.StringIO())

    shop = ShopIndexPage.objects.get()
    jobs = JobIndexPage.objects.get()
    assert shop.live and shop.get_parent().specific == site.root_page.specific
    assert jobs.live and jobs.get_parent().specific == site.root_page.specific
    assert client.get("/shop/").status_code == 200
    assert client.get("/jobs/").status_code == 200
    posters = Group.objects.get(name=JOB_POSTERS_GROUP)
    assert list(posters.permissions.values_list("content_type__app_label", "codename")) == [("jobs", "post_job")]


def test_setup_site_twice_changes_nothing():
    call_command("setup_site", stdout=io.StringIO())
    before = row_counts()

    out = io.StringIO()
    call_command("setup_site", stdout=out)

    assert row_counts() == before
    assert "created" not in out.getvalue()


def test_setup_site_keeps_what_an_editor_changed(site):
    call_command("setup_site", stdout=io.StringIO())
    shop = ShopIndexPage.objects.get()
    shop.title = "Our goods"
    shop.save_revision().publish()
    shop.unpublish()

    call_command("setup_site", stdout=io.StringIO())

    shop = ShopIndexPage.objects.get()
    assert (shop.title, shop.live) == ("Our goods", False)


def test_setup_site_refuses_a_slug_taken_by_another_page_and_changes_nothing(site):
    site.root_page.add_child(instance=Page(title="Shop notes", slug="shop"))
    before = row_counts()

    with pytest.raises(CommandError, match="slug 'shop'"):
        call_command("setup_site", stdout=io.StringIO())

    assert row_counts() == before
    assert not Group.objects.filter(name=JOB_POSTERS_GROUP).exists()


def test_setup_site_without_a_default_site_says_so(site):
    site.is_default_site = False
    site.save()

    with pytest.raises(CommandError, match="no default Wagtail site"):
        call_command("setup_site", stdout=io.StringIO())


def test_the_header_links_only_to_sections_that_exist(client, site):
    html = client.get("/").content.decode()
    assert 'href="/shop/"' not in html
    assert 'href="/jobs/"' not in html

    call_command("setup_site", stdout=io.StringIO())
    html = client.get("/").content.decode()
    assert 'href="/shop/">Shop</a>' in html
    assert 'href="/jobs/">Jobs</a>' in html

    JobIndexPage.objects.get().unpublish()
    html = client.get("/").content.decode()
    assert 'href="/shop/">Shop</a>' in html
    assert 'href="/jobs/"' not in html
