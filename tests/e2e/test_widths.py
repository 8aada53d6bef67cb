"""No page scrolls sideways from a 320 px phone to a desktop: every page a shopper and job poster sees, with real
content (a cart of two lines, a paid order, a payment with its receipt, a saved card, a listing), and Stripe's
(sandbox) payment page reached through a real checkout. Each page is measured at 320, 390 and 1280 px.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from billing.models import Charge
from jobs.factories import JobIndexPageFactory, JobPageFactory, record_payment
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import Order
from tests.e2e.helpers import WEBHOOK_PATH, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (320, 390, 1280)
GOOD_CARD = "4242 4242 4242 4242"


def overflowing_widths(page) -> list[str]:
    """The widths at which the current page is wider than the window, with by how much."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        document_width, window_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if document_width > window_width:
            found.append(f"{width} px (document {document_width} px wide)")
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


@pytest.fixture
def shopper(home_page):
    group, _ = Group.objects.get_or_create(name="Job posters")
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    user = UserFactory(username="wren", email="wren@example.com")
    user.groups.add(group)
    shop = ShopIndexPageFactory(parent=home_page)
    # Long words and long names are what push a narrow page wider.
    ProductPageFactory(
        parent=shop, title="Hand-thrown stoneware breakfast mug", sku="MUG-STONEWARE-BREAKFAST-1", price_amount=1800
    )
    ProductPageFactory(parent=shop, title="Serving bowl", sku="BOWL-1", price_amount=123450, stock_on_hand=4)
    board = JobIndexPageFactory(parent=home_page)
    job = JobPageFactory(
        parent=board,
        title="Senior infrastructure reliability engineer",
        company="Internationalisation Consultancy",
        owner=user,
        salary_min=85000,
        salary_max=95000,
    )
    record_payment(job, user=user)
    return user


def test_no_page_is_wider_than_the_window_from_320_to_1280_px(sandbox, shopper, page):
    wide: dict[str, list[str]] = {}

    def measure(name: str) -> None:
        page.a11y.check()
        over = overflowing_widths(page)
        if over:
            wide[name] = over

    page.goto("/shop/")
    measure("shop listing")
    page.get_by_role("link", name="Hand-thrown stoneware breakfast mug").first.click()
    page.wait_for_url("**/shop/hand-thrown-stoneware-breakfast-mug/")
    measure("product page")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of")
    page.goto("/shop/serving-bowl/")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of Serving bowl")
    page.a11y.check()

    page.goto("/accounts/login/?next=/cart/")
    sign_in(page, "wren", then="/cart/")
    measure("cart with two lines")

    page.get_by_role("button", name="Check out", exact=True).click()
    page.wait_for_url(f"{sandbox.api_base}/**")
    measure("sandbox payment page")
    page.get_by_label("Card number").fill(GOOD_CARD)
    page.get_by_label("Save this card for future payments").check()
    page.get_by_role("button", name="Pay").first.click()
    page.wait_for_url("**/orders/*/")
    measure("order page")
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    charge = Charge.objects.for_object(order).get()
    assert charge.receipt_url, "the sandbox's charge has a receipt"

    pages = {
        "home page": "/",
        "orders": "/orders/",
        "payments": "/billing/payments/",
        "payment": charge.get_absolute_url(),
        "receipt": charge.receipt_url,
        "saved cards": "/billing/cards/",
        "account": "/accounts/",
        "password": "/accounts/password/",
        "job board": "/jobs/",
        "job page": "/jobs/senior-infrastructure-reliability-engineer/",
        "your job listings": "/jobs/mine/",
        "job posting form": "/jobs/new/",
        "empty cart": "/cart/",
    }
    for name, url in pages.items():
        page.goto(url)
        measure(name)
    page.goto("/billing/cards/")
    assert "Visa •••• 4242" in page.locator("main").inner_text(), "the page of saved cards has a card on it"
    page.a11y.check()

    page.context.clear_cookies()  # signed out: the pages anyone sees
    for name, url in {
        "sign in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "cart as a guest": "/cart/",
    }.items():
        page.goto(url)
        measure(name)

    found = "; ".join(f"{name} at {', '.join(widths)}" for name, widths in wide.items())
    assert not wide, f"pages wider than the window: {found}"
