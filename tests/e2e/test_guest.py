"""A brand-new visitor buys as a guest on the sandbox, opens the one-time link from the console e-mail, chooses a
password and finds the order under /orders/: the account was made by the purchase."""

import re
import time

import pytest
from django.contrib.auth import get_user_model

from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import Order
from tests.e2e.helpers import WEBHOOK_PATH, body_text, pay_on_sandbox

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_CARD = "4242 4242 4242 4242"
LINK = re.compile(r"https?://[^/\s]+(/accounts/link/[A-Za-z0-9_-]+/)")


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


def wait_for_link_on_console(capsys, seconds=20) -> str:
    """The one-time link, read from what the console e-mail backend printed (as `make run` shows it)."""
    printed = ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        printed += capsys.readouterr().out
        found = LINK.search(printed)
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no one-time link on the console within {seconds}s:\n{printed[-2000:]}")


def test_a_new_visitor_buys_as_a_guest_then_signs_in_with_the_e_mailed_link(sandbox, home_page, page, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    index = ShopIndexPageFactory(parent=home_page)
    ProductPageFactory(parent=index, title="Stoneware mug", sku="MUG-1", price_amount=1800, stock_on_hand=5)

    page.goto("/shop/stoneware-mug/")
    page.a11y.check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("text=Added 1 of Stoneware mug")
    page.a11y.check()
    page.goto("/cart/")
    page.a11y.check()
    page.get_by_role("button", name="Check out as a guest").click()

    page.wait_for_url(f"{sandbox.api_base}/**")
    page.get_by_label("Email").fill("first.timer@example.com")
    pay_on_sandbox(page, sandbox, GOOD_CARD)
    page.wait_for_url("**/orders/*/")
    page.a11y.check()
    order = Order.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == f"Order {order.number}"
    assert "You checked out as a guest" in body_text(page)

    link = wait_for_link_on_console(capsys)
    order.refresh_from_db()
    buyer = get_user_model().objects.get(email="first.timer@example.com")
    assert order.user == buyer
    assert order.status == Order.Status.PAID

    page.goto(link)
    page.a11y.check()
    page.get_by_role("button", name="Sign in and choose a password").click()
    page.wait_for_url("**/accounts/password/")
    page.a11y.check()
    page.get_by_label("New password", exact=True).fill("a-long-passphrase-42")
    page.get_by_label("New password confirmation").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/accounts/")
    page.a11y.check()

    page.goto("/orders/")
    page.a11y.check()
    assert order.number in body_text(page)
    buyer.refresh_from_db()
    assert buyer.check_password("a-long-passphrase-42")
