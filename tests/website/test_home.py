import io

import pytest
from django.core.management import call_command
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from website.models import HomePage, SiteBranding

pytestmark = pytest.mark.django_db


def test_home_page_is_the_default_sites_root(site, home_page):
    assert site.root_page.specific == home_page


def test_home_page_renders_title_intro_and_navigation(client, home_page):
    call_command("setup_site", stdout=io.StringIO())
    home_page.intro = "Goods and jobs, paid through Stripe."
    home_page.save_revision().publish()

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Welcome</h1>" in html
    assert "Goods and jobs, paid through Stripe." in html
    for link in ('href="/shop/"', 'href="/jobs/"', 'href="/cart/"', 'href="/accounts/login/'):
        assert link in html
    assert html.count("<h1") == 1
    assert 'class="skip-link" href="#main"' in html


def test_site_branding_setting_changes_the_header_and_footer(client, site):
    branding = SiteBranding.load()
    branding.site_name = "Acme Goods"
    branding.footer_text = "Made with care in Lisbon."
    branding.save()

    html = client.get("/").content.decode()

    assert "Acme Goods" in html
    assert "Made with care in Lisbon." in html


def test_unknown_path_answers_404_with_the_site_template(client, home_page):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_admin_sign_in_page_is_served(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200


def test_signed_in_user_sees_sign_out_instead_of_sign_in(client, user, home_page):
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "Sign out" in html
    assert 'href="/accounts/login/' not in html


class TestHomePageRules(WagtailPageTestCase):
    def test_only_one_home_page_under_the_root(self):
        self.assertCanCreateAt(Page, HomePage)
        root = Page.get_first_root_node()
        # One already exists (the migration made it), so max_count forbids a second.
        assert not HomePage.can_create_at(root)

    def test_home_page_is_renderable(self):
        self.assertPageIsRenderable(HomePage.objects.get())


def test_account_page_needs_sign_in(client):
    response = client.get("/accounts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/")


def test_account_page_shows_the_signed_in_user(client, user):
    client.force_login(user)

    response = client.get("/accounts/")

    assert response.status_code == 200
    assert "alice" in response.content.decode()


def test_password_sign_in_works_for_a_demo_style_user(client, user):
    from website.factories import DEFAULT_PASSWORD

    response = client.post("/accounts/login/", {"username": "alice", "password": DEFAULT_PASSWORD, "next": "/shop/"})

    assert response.status_code == 302
    assert response["Location"] == "/shop/"


def test_logout_is_post_only(client, user):
    client.force_login(user)

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
