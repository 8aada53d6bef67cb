"""The footer editors manage through the site branding setting: contact and ordered links on every page, cached
pages included; the plain pages (StandardPage) a shop needs."""

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from wagtail.test.utils import WagtailPageTestCase

from website.blocks import LinkBlock
from website.models import HomePage, SiteBranding, StandardPage

pytestmark = pytest.mark.django_db

STATUS = "X-Page-Cache"


def link(page=None, url="", label=""):
    return {
        "type": "link",
        "value": {"page": page.pk if page else None, "url": url, "label": label},
        "id": str(uuid.uuid4()),
    }


@pytest.fixture
def returns(home_page):
    page = StandardPage(
        title="Returns",
        slug="returns",
        body=json.dumps([{"type": "rich_text", "value": "<p>Thirty days.</p>", "id": str(uuid.uuid4())}]),
    )
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def footer(returns):
    branding = SiteBranding.load()
    branding.contact_address = "12 Harbour Street\nLisbon"
    branding.contact_email = "hello@example.com"
    branding.footer_links = json.dumps([link(returns), link(url="https://example.org/blog", label="Our blog")])
    branding.save()
    return branding


def footer_html(html: str) -> str:
    return html[html.index('<footer class="site-footer">') :]


@pytest.mark.parametrize("url", ["/", "/returns/", "/cart/", "/accounts/login/"])
def test_every_page_shows_the_footer_contact_and_links_in_order(client, footer, url):
    html = footer_html(client.get(url).content.decode())

    assert "12 Harbour Street<br>Lisbon" in html
    assert '<a href="mailto:hello@example.com">hello@example.com</a>' in html
    assert '<a href="/returns/">Returns</a>' in html
    assert '<a href="https://example.org/blog">Our blog</a>' in html
    assert html.index("/returns/") < html.index("example.org/blog")


def test_editing_the_footer_reaches_cached_pages_at_once(client, footer, returns):
    for _ in range(2):
        client.get("/returns/")
    assert client.get("/returns/")[STATUS] == "hit"

    footer.contact_email = "shop@example.com"
    footer.footer_links = json.dumps([link(url="https://example.org/careers", label="Careers")])
    footer.save()

    html = footer_html(client.get("/returns/").content.decode())
    assert "shop@example.com" in html
    assert "Careers" in html
    assert "Our blog" not in html


def test_a_linked_page_going_away_leaves_the_footer_of_cached_pages(client, footer, returns, home_page):
    for _ in range(2):
        client.get("/")
    assert client.get("/")[STATUS] == "hit"

    returns.unpublish()

    html = footer_html(client.get("/").content.decode())
    assert "/returns/" not in html
    assert "Our blog" in html


def test_a_linked_page_renamed_moves_its_footer_link(client, footer, returns):
    for _ in range(2):
        client.get("/")

    returns.slug = "send-it-back"
    returns.save_revision().publish()

    assert '<a href="/send-it-back/">Returns</a>' in footer_html(client.get("/").content.decode())


def test_the_footer_costs_no_query_once_its_links_are_known(client, footer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/cart/")
    with CaptureQueriesContext(connection) as with_links:
        client.get("/cart/")
    footer.footer_links = "[]"
    footer.save()
    client.get("/cart/")
    with CaptureQueriesContext(connection) as without_links:
        client.get("/cart/")

    assert len(with_links.captured_queries) == len(without_links.captured_queries)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"page": None, "url": "", "label": "Nowhere"}, "page"),
        ({"page": None, "url": "https://example.org/", "label": ""}, "label"),
    ],
)
def test_a_footer_link_needs_a_page_or_an_address_with_words(value, field):
    block = LinkBlock()

    with pytest.raises(ValidationError) as error:
        block.clean(block.to_python(value))

    assert field in error.value.block_errors


def test_a_link_to_a_page_and_an_address_at_once_is_refused(home_page):
    block = LinkBlock()

    with pytest.raises(ValidationError) as error:
        block.clean(block.to_python({"page": home_page.pk, "url": "https://example.org/", "label": ""}))

    assert "url" in error.value.block_errors


def test_a_standard_page_shows_its_text(client, returns):
    html = client.get("/returns/").content.decode()

    assert "<h1>Returns</h1>" in html
    assert "<p>Thirty days.</p>" in html


class TestStandardPageRules(WagtailPageTestCase):
    def test_standard_pages_live_under_the_home_page_and_have_no_children(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage})
        self.assertAllowedSubpageTypes(StandardPage, set())


def test_an_editor_changes_the_footer_in_the_admin(client, editor, footer, returns):
    from django.urls import reverse
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    for _ in range(2):
        client.get("/")
    client.force_login(editor)
    url = reverse("wagtailsettings:edit", args=["website", "sitebranding", footer.pk])
    data = nested_form_data(
        {
            "site_name": "Shop & Jobs",
            "footer_text": "Made in Lisbon.",
            "contact_address": "1 New Road",
            "contact_email": "new@example.com",
            "footer_links": streamfield([("link", {"page": returns.pk, "url": "", "label": "Send it back"})]),
            "default_description": "Goods and jobs.",
            "share_image": "",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = footer_html(client.get("/").content.decode())
    assert '<a href="/returns/">Send it back</a>' in html
    assert "new@example.com" in html and "1 New Road" in html
