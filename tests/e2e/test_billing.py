"""A payer in a real browser: the payment page, Stripe's (sandbox) Checkout page, back to their payments.

Every page on the way passes axe-core (the `page` fixture checks that none is skipped).
"""

import pytest

from billing import tokens
from billing.models import Charge
from tests.billing_testapp.models import Invoice
from tests.e2e.helpers import sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(stripe_sandbox):
    return stripe_sandbox


def test_payer_pays_with_a_new_card_then_with_the_saved_one(sandbox, page):
    payer = UserFactory(username="paula")
    first = Invoice.objects.create(owner=payer, title="Logo design", amount=4200, success_path="/billing/payments/")
    second = Invoice.objects.create(owner=payer, title="Business cards", amount=1800, success_path="/billing/payments/")
    url = tokens.payment_url(first)
    sign_in(page, "paula", then=url, from_url=f"/accounts/login/?next={url}")
    page.a11y.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Pay for Invoice: Logo design"
    page.get_by_role("button", name="Pay with a new card").click()
    page.wait_for_url(f"{sandbox.api_base}/**")
    page.a11y.check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Save this card for future payments").check()  # saved only because the payer asks
    page.get_by_role("button", name="Pay").first.click()
    page.wait_for_url("**/billing/payments/")
    page.a11y.check()
    assert "Thank you: $42.00 paid for Invoice: Logo design" in page.locator("body").inner_text()
    assert Charge.objects.for_object(first).succeeded().count() == 1

    page.goto(tokens.payment_url(second))
    page.a11y.check()
    page.get_by_role("button", name="Pay $18.00 now").click()
    page.wait_for_url("**/billing/payments/")
    page.a11y.check()
    assert "Paid $18.00 with Visa •••• 4242" in page.locator("body").inner_text()

    page.goto("/billing/cards/")
    page.a11y.check()
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    page.wait_for_url("**/billing/cards/")
    page.a11y.check()
    assert "You have no saved cards" in page.locator("body").inner_text()
