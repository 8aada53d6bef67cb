"""Search engines and sharing: a description on every page (the page's own, else a fallback), a canonical address
on the Site's root, Open Graph and Twitter card tags with the page's picture on products and jobs; favicon and
touch icons."""

import re
from html import unescape

import pytest
from django.conf import settings
from PIL import Image as PILImage

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ImageFactory, ProductPageFactory, ShopIndexPageFactory
from website.models import HomePage, SiteBranding
from website.templatetags.website_tags import SHARE_RENDITION

pytestmark = pytest.mark.django_db


def meta(html: str, key: str) -> str | None:
    """The content of <meta name=key> or <meta property=key>, or None."""
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def canonical(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', html)
    return found.group(1) if found else None


@pytest.fixture
def product(home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    return ProductPageFactory(
        parent=shop,
        title="Blue mug",
        slug="blue-mug",
        summary="A mug the colour of the sea.",
        images=[ImageFactory(file__width=1200, file__height=900)],
    )


@pytest.fixture
def job(home_page):
    board = JobIndexPageFactory(parent=home_page)
    job = JobPageFactory(
        parent=board,
        title="Wagtail developer",
        slug="wagtail-developer",
        description="<p>Build sites &amp; shops.</p><p>Remote friendly.</p>",
    )
    record_payment(job)
    return job


def test_home_page_describes_itself_with_its_intro_on_the_sites_root(client, home_page, site):
    home = HomePage.objects.get(pk=home_page.pk)
    home.intro = "Goods and jobs, paid through Stripe."
    home.save_revision().publish()

    html = client.get("/").content.decode()

    assert meta(html, "description") == "Goods and jobs, paid through Stripe."
    assert canonical(html) == site.root_url + "/"
    assert meta(html, "og:url") == site.root_url + "/"
    assert meta(html, "og:title") == "Welcome"
    assert meta(html, "og:site_name") == SiteBranding.load().site_name


def test_a_search_description_wins_over_every_fallback(client, product):
    product.search_description = "Stoneware, 350 ml, dishwasher safe."
    product.save_revision().publish()

    html = client.get("/shop/blue-mug/").content.decode()

    assert meta(html, "description") == "Stoneware, 350 ml, dishwasher safe."
    assert meta(html, "og:description") == "Stoneware, 350 ml, dishwasher safe."


def test_a_product_is_shared_with_its_summary_and_picture(client, product, site):
    html = client.get("/shop/blue-mug/").content.decode()

    assert meta(html, "description") == "A mug the colour of the sea."
    assert canonical(html) == f"{site.root_url}/shop/blue-mug/"
    assert meta(html, "og:type") == "product"
    assert meta(html, "og:title") == "Blue mug"
    image = meta(html, "og:image")
    assert image.startswith(site.root_url + settings.MEDIA_URL)
    assert image == site.root_url + product.main_image.image.get_rendition(SHARE_RENDITION).url
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == image


def test_a_job_is_shared_with_its_text_and_the_sites_share_image(client, job, site):
    html = client.get("/jobs/wagtail-developer/").content.decode()

    assert meta(html, "description") == "Build sites & shops. Remote friendly."
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:image") is None
    assert meta(html, "twitter:card") == "summary"

    branding = SiteBranding.load()
    branding.share_image = ImageFactory(file__width=1200, file__height=630)
    branding.save()
    html = client.get("/jobs/wagtail-developer/").content.decode()

    assert meta(html, "og:image") == site.root_url + branding.share_image.get_rendition(SHARE_RENDITION).url
    assert meta(html, "twitter:card") == "summary_large_image"


def test_a_long_description_is_cut_at_a_word(client, job):
    job.description = "<p>" + "seventeen " * 40 + "</p>"
    job.save_revision().publish()

    description = meta(client.get("/jobs/wagtail-developer/").content.decode(), "description")

    assert 140 <= len(description) <= 160
    assert description.endswith(" seventeen…")


@pytest.mark.parametrize("url", ["/cart/", "/accounts/login/"])
def test_views_outside_wagtail_get_the_sites_description_and_their_own_address(client, site, url):
    branding = SiteBranding.load()
    branding.default_description = "Mugs, bowls and jobs."
    branding.save()

    html = client.get(url).content.decode()

    assert meta(html, "description") == "Mugs, bowls and jobs."
    assert canonical(html) == f"http://testserver{url}"
    assert meta(html, "og:title") is None


def test_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # the ICO signature


def test_pages_name_their_icons_and_the_icons_exist(client, home_page):
    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/favicon.ico"' in html
    for name in ("favicon.svg", "apple-touch-icon.png", "site.webmanifest"):
        assert f"/static/icons/{name}" in html
        assert (settings.BASE_DIR / "static" / "icons" / name).exists()
    with PILImage.open(settings.BASE_DIR / "static" / "icons" / "apple-touch-icon.png") as icon:
        assert icon.size == (180, 180)
