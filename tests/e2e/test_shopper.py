"""A shopper in a real browser: browse, fill the cart, sign in, pay on Stripe's (sandbox) page, see the paid order.

The sandbox sends its webhooks to the live server over HTTP, as Stripe would, racing the success redirect.
"""

import pytest

from billing.models import Charge
from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import Cart, Order, ProductPage
from tests.e2e.helpers import WEBHOOK_PATH, body_text, pay_on_sandbox, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


@pytest.fixture
def shop(home_page):
    index = ShopIndexPageFactory(parent=home_page)
    mug = ProductPageFactory(parent=index, title="Stoneware mug", sku="MUG-1", price_amount=1800, stock_on_hand=5)
    bowl = ProductPageFactory(parent=index, title="Serving bowl", sku="BOWL-1", price_amount=3200, stock_on_hand=4)
    return mug, bowl


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


def fill_cart_and_check_out(page, username: str) -> None:
    """Browse /shop/, add a mug and a bowl, make it two mugs, sign in from checkout, and check out."""
    page.goto("/shop/")
    page.a11y.check()
    page.get_by_role("link", name="Stoneware mug").click()
    page.wait_for_url("**/shop/stoneware-mug/")
    page.a11y.check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of Stoneware mug")
    page.a11y.check()

    page.goto("/shop/")
    page.a11y.check()
    page.get_by_role("link", name="Serving bowl").click()
    page.wait_for_url("**/shop/serving-bowl/")
    page.a11y.check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of Serving bowl")
    page.a11y.check()

    page.goto("/cart/")
    page.a11y.check()
    page.get_by_label("Quantity of Stoneware mug").fill("2")
    page.get_by_role("button", name="Update Stoneware mug").click()
    page.wait_for_selector("text=Stoneware mug: quantity set to 2.")
    page.a11y.check()
    assert "Subtotal (3 items)" in body_text(page)

    # Not signed in, the cart offers guest checkout or signing in first; this shopper signs in.
    page.get_by_role("link", name="sign in", exact=True).click()
    sign_in(page, username, then="/cart/")
    page.a11y.check()
    assert "Subtotal (3 items)" in body_text(page), "the cart followed the shopper through sign-in"
    page.get_by_role("button", name="Check out", exact=True).click()


def test_shopper_pays_by_card_and_lands_on_the_paid_order_with_the_cart_empty_and_stock_lower(sandbox, shop, page):
    mug, bowl = shop
    UserFactory(username="demo-shopper", email="shopper@example.com")

    fill_cart_and_check_out(page, "demo-shopper")
    pay_on_sandbox(page, sandbox, GOOD_CARD)
    page.wait_for_url("**/orders/*/")
    page.a11y.check()

    order = Order.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == f"Order {order.number}"
    assert "Thank you: your order is paid" in body_text(page)
    assert order.status == Order.Status.PAID
    assert order.total_amount == 2 * 1800 + 3200
    assert Charge.objects.for_object(order).succeeded().count() == 1

    page.goto("/cart/")
    page.a11y.check()
    assert "Your cart is empty." in body_text(page)
    assert not Cart.objects.exists()

    page.goto("/shop/stoneware-mug/")
    page.a11y.check()
    assert "Only 3 left" in body_text(page)
    assert ProductPage.objects.get(pk=mug.pk).stock_on_hand == 3
    assert ProductPage.objects.get(pk=bowl.pk).stock_on_hand == 3


def test_shopper_whose_card_is_declined_sees_why_and_keeps_the_cart(sandbox, shop, page):
    mug, bowl = shop
    UserFactory(username="demo-shopper", email="shopper@example.com")

    fill_cart_and_check_out(page, "demo-shopper")
    pay_on_sandbox(page, sandbox, DECLINED_CARD)
    page.wait_for_selector("#payment-error")
    page.a11y.check()
    assert "Your card was declined." in page.locator("#payment-error").inner_text()

    page.get_by_role("link", name="Cancel and go back").click()
    page.wait_for_url("**/cart/")
    page.a11y.check()
    assert "Subtotal (3 items)" in body_text(page)
    assert not Order.objects.filter(status=Order.Status.PAID).exists()
    assert not Charge.objects.succeeded().exists()
    assert ProductPage.objects.get(pk=mug.pk).stock_on_hand == 5
    assert ProductPage.objects.get(pk=bowl.pk).stock_on_hand == 4
