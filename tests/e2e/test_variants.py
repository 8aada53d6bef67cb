"""A shopper in a real browser buys a tee in two sizes and colours: the selects, the sold-out combination the
script marks, two cart lines, checkout and payment on the sandbox, stock lower per variant."""

import pytest

from shop.factories import ShopIndexPageFactory, product_with_variants
from shop.models import Order, Stock
from tests.e2e.helpers import WEBHOOK_PATH, body_text, pay_on_sandbox, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_CARD = "4242 4242 4242 4242"


@pytest.fixture
def tee(home_page):
    index = ShopIndexPageFactory(parent=home_page)
    return product_with_variants(
        parent=index,
        title="Organic cotton tee",
        slug="organic-cotton-tee",
        sku="TEE-1",
        price_amount=2500,
        options={"Size": "M, L", "Colour": "Oat, Black"},
        variants=[
            {"values": ["M", "Oat"], "sku": "TEE-1-M-OAT", "stock": 5},
            {"values": ["M", "Black"], "sku": "TEE-1-M-BLK", "stock": 0},
            {"values": ["L", "Oat"], "sku": "TEE-1-L-OAT", "stock": 2},
            {"values": ["L", "Black"], "sku": "TEE-1-L-BLK", "stock": 4, "price_amount": 2900},
        ],
    )


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


def test_shopper_chooses_size_and_colour_adds_two_variants_and_pays(sandbox, tee, page):
    UserFactory(username="tee-shopper", email="tee@example.com")
    page.goto("/shop/organic-cotton-tee/")
    page.a11y.check()
    assert "From $25.00" in body_text(page)

    page.get_by_label("Size").select_option("M")
    page.get_by_label("Colour").select_option("Black")
    page.wait_for_selector("text=M, Black is sold out: choose another combination.")
    assert page.get_by_role("button", name="Sold out").is_disabled()
    assert page.locator("#id_option2 option[value=Black]").inner_text() == "Black (sold out)"
    page.a11y.check()

    page.get_by_label("Colour").select_option("Oat")
    assert page.locator("[data-variant-sku]").inner_text() == "TEE-1-M-OAT"
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 2 of Organic cotton tee — M, Oat")
    page.a11y.check()

    page.get_by_label("Size").select_option("L")
    page.get_by_label("Colour").select_option("Black")
    page.wait_for_selector("[data-variant-price]:has-text('$29.00')")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of Organic cotton tee — L, Black")

    page.goto("/cart/")
    page.a11y.check()
    text = body_text(page)
    assert "Subtotal (3 items)" in text and "$79.00" in text
    page.get_by_role("link", name="sign in", exact=True).click()
    sign_in(page, "tee-shopper", then="/cart/")
    page.get_by_role("button", name="Check out", exact=True).click()
    pay_on_sandbox(page, sandbox, GOOD_CARD)
    page.wait_for_url("**/orders/*/")
    page.a11y.check()

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert "Organic cotton tee — M, Oat" in body_text(page)
    assert "Organic cotton tee — L, Black" in body_text(page)
    assert dict(Stock.objects.values_list("variant__sku", "quantity")) == {
        "TEE-1-M-OAT": 3,
        "TEE-1-M-BLK": 0,
        "TEE-1-L-OAT": 2,
        "TEE-1-L-BLK": 3,
    }
