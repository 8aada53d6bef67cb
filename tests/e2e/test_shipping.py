"""Shipping in a real browser: two products, a country on the cart page, an address and the cheaper of two rates on
Stripe's (sandbox) page, the order with its address and rate; an editor marks it shipped with a tracking number;
the buyer's order page and e-mail carry the tracking link."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from shop.factories import ProductPageFactory, ShippingRateFactory, ShopIndexPageFactory
from shop.models import Order
from tests.e2e.helpers import WEBHOOK_PATH, body_text, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TRACKING_URL = "https://tracking.example/RM123456789GB"


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


@pytest.fixture
def shop(home_page):
    index = ShopIndexPageFactory(parent=home_page)
    mug = ProductPageFactory(
        parent=index, title="Stoneware mug", sku="MUG-1", price_amount=1800, requires_shipping=True
    )
    tote = ProductPageFactory(
        parent=index, title="Canvas tote", sku="TOTE-1", price_amount=1500, requires_shipping=True
    )
    ShippingRateFactory(name="Express", amount=1500, countries="GB", min_days=1, max_days=2)
    ShippingRateFactory(name="Standard", amount=495, countries="GB US", min_days=3, max_days=5)
    return mug, tote


def add_to_cart(page, title: str, slug: str) -> None:
    page.goto(f"/shop/{slug}/")
    page.a11y.check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector(f"text=Added 1 of {title}")
    page.a11y.check()


def test_shopper_ships_two_products_at_the_cheaper_rate_and_follows_the_tracking_link(sandbox, shop, page):
    buyer = UserFactory(username="demo-shopper", email="shopper@example.com")
    editor = UserFactory(username="demo-dispatch", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_order", "ship_order"]))

    sign_in(page, "demo-shopper", then="/cart/", from_url="/accounts/login/?next=/cart/")
    page.a11y.check()
    add_to_cart(page, "Stoneware mug", "stoneware-mug")
    add_to_cart(page, "Canvas tote", "canvas-tote")

    page.goto("/cart/")
    page.a11y.check()
    assert "Shipping from $4.95" in body_text(page)
    page.get_by_label("Ship to").select_option("GB")
    page.get_by_role("button", name="Show shipping").click()
    page.wait_for_url("**/cart/?country=GB")
    page.a11y.check()
    assert "Shipping to United Kingdom from $4.95 (Standard, 3 to 5 business days)" in body_text(page)
    page.get_by_role("button", name="Check out", exact=True).click()

    page.wait_for_url(f"{sandbox.api_base}/**")
    page.a11y.check()
    summary = page.get_by_role("table").inner_text()
    assert "Stoneware mug" in summary and "Canvas tote" in summary
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 St James's Square")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("SW1Y 4JH")
    page.get_by_label("Standard: 4.95 USD, 3 to 5 business days").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").first.click()
    page.wait_for_url("**/orders/*/")
    page.a11y.check()

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert (order.shipping_rate_name, order.shipping_amount, order.total_amount) == ("Standard", 495, 3300 + 495)
    text = body_text(page)
    assert "Ada Lovelace" in text and "SW1Y 4JH London" in text and "United Kingdom" in text
    assert "Standard, $4.95 (3 to 5 business days)" in text

    # The dispatcher, in the same browser once the buyer's session is gone.
    page.context.clear_cookies()
    page.goto(f"/admin/shop_order/inspect/{order.pk}/")
    sign_in(page, "demo-dispatch", then=f"/admin/shop_order/inspect/{order.pk}/")
    page.a11y.check()
    page.get_by_role("link", name="Mark shipped").click()
    page.wait_for_url(f"**/admin/shop_order/ship/{order.pk}/")
    page.a11y.check()
    page.get_by_label("Carrier").fill("Royal Mail")
    page.get_by_label("Tracking number").fill("RM123456789GB")
    page.get_by_label("Tracking URL").fill(TRACKING_URL)
    page.get_by_role("button", name="Mark shipped and e-mail the buyer").click()
    page.wait_for_url(f"**/admin/shop_order/inspect/{order.pk}/")
    page.a11y.check()
    assert "is shipped" in body_text(page)

    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    shipped_email = next(email for email in mail.outbox if "on its way" in email.subject)
    assert shipped_email.to == [buyer.email]
    assert TRACKING_URL in shipped_email.body
    assert f'href="{TRACKING_URL}"' in shipped_email.alternatives[0][0]

    page.context.clear_cookies()
    page.goto(order.get_absolute_url())
    sign_in(page, "demo-shopper", then=order.get_absolute_url())
    page.a11y.check()
    assert "Your order is on its way with Royal Mail." in body_text(page)
    assert "RM123456789GB" in body_text(page)
    assert page.get_by_role("link", name="Track your parcel").first.get_attribute("href") == TRACKING_URL
