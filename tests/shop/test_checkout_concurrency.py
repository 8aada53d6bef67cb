"""Many buyers at once for a few units, on PostgreSQL (real row locks): never oversold, no error pages."""

import threading

import pytest
from django.db import connection
from django.test import Client

from billing.models import Charge
from shop.factories import CartFactory, LineItemFactory, product_with_variants
from shop.models import Order, ProductPage, ProductVariant, Stock, StockHold
from website.factories import UserFactory

BUYERS = 20
UNITS = 5


def check_out_all_at_once(buyers) -> tuple[dict, list]:
    """Each buyer presses "Check out" at the same moment, in a thread of their own: ({buyer pk: (status,
    Location)}, [errors raised])."""
    barrier = threading.Barrier(len(buyers))
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
    return outcomes, failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_buyers_for_five_units_make_exactly_five_paid_orders(stripe_sandbox, make_product):
    product = make_product(title="Limited print", sku="PRINT-LTD", price_amount=5000, stock_on_hand=UNITS)
    buyers = [UserFactory(username=f"buyer{n}") for n in range(BUYERS)]
    for buyer in buyers:
        LineItemFactory(cart=CartFactory(user=buyer), product=product, quantity=1, price_seen_amount=5000)
    outcomes, failures = check_out_all_at_once(buyers)

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_for_five_units_of_one_variant_leave_the_other_sizes_alone(stripe_sandbox, shop_index):
    tee = product_with_variants(
        parent=shop_index,
        title="Organic cotton tee",
        sku="TEE-RACE",
        price_amount=2500,
        requires_shipping=False,
        options={"Size": "S, M, L"},
        variants=[
            {"values": ["S"], "sku": "TEE-RACE-S", "stock": 7},
            {"values": ["M"], "sku": "TEE-RACE-M", "stock": UNITS},
            {"values": ["L"], "sku": "TEE-RACE-L", "stock": 9},
        ],
    )
    medium = ProductVariant.objects.get(sku="TEE-RACE-M")
    buyers = [UserFactory(username=f"tee-buyer{n}") for n in range(BUYERS)]
    for buyer in buyers:
        LineItemFactory(cart=CartFactory(user=buyer), product=tee, variant=medium, quantity=1, price_seen_amount=2500)
    outcomes, failures = check_out_all_at_once(buyers)

    assert failures == []
    assert {status for status, _location in outcomes.values()} == {303}
    assert len([location for _status, location in outcomes.values() if location != "/cart/"]) == UNITS
    assert set(StockHold.objects.values_list("variant__sku", flat=True)) == {"TEE-RACE-M"}
    assert StockHold.objects.count() == UNITS

    for charge in Charge.objects.pending():
        stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    responses = stripe_sandbox.deliver_events(Client())

    assert {response.status_code for response in responses} == {200}
    assert Order.objects.filter(status=Order.Status.PAID).count() == UNITS
    on_hand = dict(Stock.objects.filter(variant__product=tee).values_list("variant__sku", "quantity"))
    assert on_hand == {"TEE-RACE-S": 7, "TEE-RACE-M": 0, "TEE-RACE-L": 9}
    assert ProductPage.objects.with_availability().get(pk=tee.pk).available_quantity == 7 + 9
