"""Many buyers at once for a few units, on PostgreSQL (real row locks): never oversold, no error pages."""

import threading

import pytest
from django.db import connection
from django.test import Client

from billing.models import Charge
from shop.factories import CartFactory, LineItemFactory
from shop.models import Order, ProductPage, StockHold
from website.factories import UserFactory

BUYERS = 20
UNITS = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_buyers_for_five_units_make_exactly_five_paid_orders(stripe_sandbox, make_product):
    product = make_product(title="Limited print", sku="PRINT-LTD", price_amount=5000, stock_on_hand=UNITS)
    buyers = [UserFactory(username=f"buyer{n}") for n in range(BUYERS)]
    for buyer in buyers:
        LineItemFactory(cart=CartFactory(user=buyer), product=product, quantity=1, price_seen_amount=5000)
    barrier = threading.Barrier(BUYERS)
    outcomes = {}
    failures = []

    def buy(buyer):
        client = Client()
        client.force_login(buyer)
        try:
            barrier.wait(timeout=30)
            response = client.post("/cart/checkout/")
            outcomes[buyer.pk] = (response.status_code, response.get("Location", ""))
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert len(outcomes) == BUYERS
    assert {status for status, _location in outcomes.values()} == {303}
    to_stripe = [location for _status, location in outcomes.values() if location != "/cart/"]
    assert len(to_stripe) == UNITS
    assert StockHold.objects.count() == UNITS
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 0

    for charge in Charge.objects.pending():
        stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    responses = stripe_sandbox.deliver_events(Client())

    assert {response.status_code for response in responses} == {200}
    assert Order.objects.filter(status=Order.Status.PAID).count() == UNITS
    assert Order.objects.exclude(status=Order.Status.PAID).count() == 0
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 0
    assert not StockHold.objects.exists()
