"""The home page as the demo builds it (hero, new products, latest jobs, text), the shop's plain pages and the footer
that leads to them, in a browser, checked by axe on every page, at a phone's width and a desktop's."""

import io

import pytest

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ImageFactory, ProductPageFactory, ShopIndexPageFactory
from website import demo
from website.models import HomePage

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["Shipping", "Returns", "Privacy", "Terms"]
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo_home():
    home = HomePage.objects.get()
    shop = ShopIndexPageFactory(parent=home)
    for title in ("Blue mug", "Clay bowl", "Linen apron"):
        ProductPageFactory(parent=shop, title=title, images=[ImageFactory(file__width=800, file__height=600)])
    board = JobIndexPageFactory(parent=home)
    job = JobPageFactory(parent=board, title="Wagtail developer")
    record_payment(job)
    out = io.StringIO()
    pages = demo.seed_pages(out, home)
    demo.seed_home(out, HomePage.objects.get())
    demo.seed_footer(out, pages)
    return home


@pytest.mark.parametrize("width", [390, 1280])
def test_visitor_reads_the_home_page_and_the_shops_pages_through_the_footer(page, demo_home, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.a11y.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Good things, and good work"
    assert page.get_by_role("link", name="Blue mug").is_visible()
    assert page.get_by_role("link", name="Wagtail developer").is_visible()
    hero = page.locator("img.home-hero__image")
    assert hero.get_attribute("fetchpriority") == "high"
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", hero.element_handle())
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    footer = page.get_by_role("navigation", name="Footer")
    for title in PAGES:
        footer.get_by_role("link", name=title).click()
        page.wait_for_url(f"**/{title.lower()}/")
        page.a11y.check()
        assert page.get_by_role("heading", level=1).inner_text() == title
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        footer = page.get_by_role("navigation", name="Footer")

    page.goto("/")
    page.get_by_role("link", name="Browse the shop").click()
    page.wait_for_url("**/shop/")
    page.a11y.check()
