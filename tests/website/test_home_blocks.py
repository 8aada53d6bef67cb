"""The home page editors compose from blocks (website.blocks): what each block shows, what it costs, and how the
cached home page follows the products and jobs it shows."""

import json
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ImageFactory, ProductPageFactory, ShopIndexPageFactory
from shop.stock import stock_set
from website.models import HomePage

pytestmark = pytest.mark.django_db

STATUS = "X-Page-Cache"


@pytest.fixture
def shop(home_page):
    return ShopIndexPageFactory(parent=home_page)


@pytest.fixture
def board(home_page):
    return JobIndexPageFactory(parent=home_page)


def block(block_type, value):
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def compose(home_page, *blocks, intro=""):
    """Publish the home page with these blocks, as an editor would."""
    home = HomePage.objects.get(pk=home_page.pk)
    home.body = json.dumps(list(blocks))
    home.intro = intro
    home.save_revision().publish()
    return home


def featured(products=(), count=4, heading="Featured products"):
    return block("featured_products", {"heading": heading, "products": [p.pk for p in products], "count": count})


def latest(count=3, heading="Latest jobs"):
    return block("latest_jobs", {"heading": heading, "count": count})


def hero(image, heading="Good things", button=None):
    return block(
        "hero",
        {
            "image": image.pk,
            "heading": heading,
            "text": "Made to last.",
            "button": button or {"page": None, "url": "", "label": ""},
        },
    )


def paid_job(board, title, **kwargs):
    job = JobPageFactory(parent=board, title=title, **kwargs)
    record_payment(job)
    job.refresh_from_db()
    return job


def warm(client):
    """The first request learns the route, the second stores the page (website.page_cache)."""
    client.get("/")
    client.get("/")


def titles_in(html: str, titles) -> list[str]:
    """The given titles in the order the page shows them."""
    return sorted((t for t in titles if t in html), key=html.index)


def test_a_home_page_of_blocks_shows_hero_products_jobs_and_text(client, home_page, shop, board):
    image = ImageFactory(file__width=1600, file__height=700)
    mug = ProductPageFactory(parent=shop, title="Blue mug", images=[ImageFactory(file__width=800, file__height=600)])
    paid_job(board, "Wagtail developer")
    compose(
        home_page,
        hero(image, heading="Good things, good work", button={"page": shop.pk, "url": "", "label": "Browse"}),
        featured(products=[mug]),
        latest(),
        block("rich_text", "<p>Sent within two days.</p>"),
    )

    html = client.get("/").content.decode()

    assert html.count("<h1") == 1
    assert "<h1>Good things, good work</h1>" in html
    hero_img = re.search(r'<img[^>]*class="home-hero__image"[^>]*>', html).group(0)
    for attribute in ('fetchpriority="high"', "srcset=", 'width="', 'height="', ".webp"):
        assert attribute in hero_img
    assert '<a class="button" href="/shop/">Browse</a>' in html
    assert "Blue mug" in html and mug.url in html
    card_img = re.search(r'<img[^>]*class="product-card__image"[^>]*>', html).group(0)
    assert "srcset=" in card_img and 'width="300"' in card_img and 'loading="lazy"' in card_img
    assert "Wagtail developer" in html
    assert "<p>Sent within two days.</p>" in html


def test_without_a_hero_first_the_title_is_the_heading(client, home_page):
    compose(home_page, block("rich_text", "<p>Hello.</p>"), intro="Goods and jobs.")

    html = client.get("/").content.decode()

    assert "<h1>Welcome</h1>" in html
    assert "Goods and jobs." in html
    assert html.count("<h1") == 1


def test_chosen_products_show_in_the_editors_order_and_only_while_live(client, home_page, shop):
    first = ProductPageFactory(parent=shop, title="Alpha lamp")
    second = ProductPageFactory(parent=shop, title="Beta chair")
    gone = ProductPageFactory(parent=shop, title="Gamma rug")
    compose(home_page, featured(products=[second, gone, first]))
    gone.unpublish()

    html = client.get("/").content.decode()

    assert titles_in(html, ["Alpha lamp", "Beta chair", "Gamma rug"]) == ["Beta chair", "Alpha lamp"]


def test_without_chosen_products_the_newest_show(client, home_page, shop):
    now = timezone.now()
    for days, title in [(3, "Old kettle"), (1, "New teapot"), (2, "Mid cup")]:
        ProductPageFactory(parent=shop, title=title, first_published_at=now - timedelta(days=days))
    compose(home_page, featured(count=2))

    html = client.get("/").content.decode()

    assert titles_in(html, ["Old kettle", "New teapot", "Mid cup"]) == ["New teapot", "Mid cup"]


def test_latest_jobs_are_the_paid_ones_on_the_board_most_recent_first(client, home_page, board):
    now = timezone.now()
    for hours, title in [(3, "Oldest engineer"), (1, "Newest engineer"), (2, "Middle engineer")]:
        job = JobPageFactory(parent=board, title=title)
        record_payment(job, paid_at=now - timedelta(hours=hours))
    JobPageFactory(parent=board, title="Unpaid engineer")
    compose(home_page, latest(count=2))

    html = client.get("/").content.decode()

    titles = ["Oldest engineer", "Newest engineer", "Middle engineer", "Unpaid engineer"]
    assert titles_in(html, titles) == ["Newest engineer", "Middle engineer"]


def _cold_queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_home_page_costs_the_same_queries_for_few_and_many_products_and_jobs(client, home_page, shop, board):
    image = ImageFactory()
    chosen = [ProductPageFactory(parent=shop, images=1) for _ in range(2)]
    ProductPageFactory(parent=shop, images=1)
    paid_job(board, "Engineer 0")
    home = compose(home_page, hero(image), featured(products=chosen), featured(count=2), latest(count=2))
    client.get("/")  # renditions are made on first showing
    few = _cold_queries(client)

    chosen += [ProductPageFactory(parent=shop, images=1) for _ in range(8)]
    for number in range(1, 10):
        paid_job(board, f"Engineer {number}")
    compose(home, hero(image), featured(products=chosen), featured(count=10), latest(count=10))
    html = client.get("/").content.decode()
    assert html.count('class="card product-card"') == 20
    assert html.count('class="card job-card"') == 10

    assert _cold_queries(client) == few


def test_a_new_product_reaches_the_cached_home_page_at_once(client, home_page, shop):
    ProductPageFactory(parent=shop, title="First vase")
    compose(home_page, featured(count=4))
    warm(client)
    assert client.get("/")[STATUS] == "hit"

    product = ProductPageFactory(parent=shop, title="Second vase", live=False)
    product.save_revision().publish()

    response = client.get("/")
    assert response[STATUS] == "miss"
    assert "Second vase" in response.content.decode()


def test_a_stock_change_purges_the_home_page_showing_the_product(client, home_page, shop):
    product = ProductPageFactory(parent=shop, title="Clay bowl")
    compose(home_page, featured(products=[product]))
    warm(client)
    assert client.get("/")[STATUS] == "hit"

    stock_set(product=product, quantity=0)

    response = client.get("/")
    assert response[STATUS] == "miss"
    assert "Sold out" in response.content.decode()


def test_a_home_page_without_product_blocks_is_not_purged_by_products(client, home_page, shop):
    product = ProductPageFactory(parent=shop)
    compose(home_page, block("rich_text", "<p>Hi.</p>"))
    warm(client)
    assert client.get("/")[STATUS] == "hit"

    stock_set(product=product, quantity=0)

    assert client.get("/")[STATUS] == "hit"


def test_a_paid_job_reaches_the_cached_home_page_at_once(client, home_page, board):
    paid_job(board, "Existing engineer")
    compose(home_page, latest())
    warm(client)
    assert client.get("/")[STATUS] == "hit"

    paid_job(board, "Fresh engineer")

    assert "Fresh engineer" in client.get("/").content.decode()


def test_a_job_leaves_the_cached_home_page_the_second_its_week_ends(client, home_page, board):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        early = JobPageFactory(parent=board, title="Early bird engineer")
        record_payment(early, paid_at=start - timedelta(days=6))
        early.refresh_from_db()
        late = JobPageFactory(parent=board, title="Late owl engineer")
        record_payment(late, paid_at=start)
        compose(home_page, latest())
        warm(client)
        assert client.get("/")[STATUS] == "hit"

        traveller.move_to(early.paid_until - timedelta(seconds=1))
        assert "Early bird engineer" in client.get("/").content.decode()

        traveller.move_to(early.paid_until)
        html = client.get("/").content.decode()
        assert "Early bird engineer" not in html
        assert "Late owl engineer" in html


def test_an_editor_adds_a_section_to_the_home_page_in_the_admin(client, admin_user, home_page, shop):
    """An editor builds a new home page section without a developer: the admin's edit form, then the site."""
    ProductPageFactory(parent=shop, title="Linen apron")
    client.force_login(admin_user)
    data = nested_form_data(
        {
            "title": "Welcome",
            "slug": home_page.slug,
            "intro": "Goods and jobs.",
            "body": streamfield(
                [
                    ("rich_text", rich_text("<p>Opening hours: nine to five.</p>")),
                    ("featured_products", {"heading": "Picked for you", "products": streamfield([]), "count": 3}),
                ]
            ),
            "action-publish": "publish",
        }
    )
    # ListBlock's form data: a count and no items, as the admin posts an empty list.
    data.update({"body-1-value-products-count": "0"})

    response = client.post(reverse("wagtailadmin_pages:edit", args=[home_page.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = client.get("/").content.decode()
    assert "Opening hours: nine to five." in html
    assert "Picked for you" in html
    assert "Linen apron" in html
