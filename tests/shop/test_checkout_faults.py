"""Stripe down or too slow at checkout, on PostgreSQL: a clear answer in bounded time, nothing paid, the cart kept,
and stock held for an unpaid order back on the shelf once its hold expires."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing.models import Charge
from shop import holds
from shop.models import LineItem, Order, ProductPage, StockHold

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# What a payer may wait for an answer, Stripe down or not (the bound).
ANSWER_WITHIN_SECONDS = 15


@pytest.fixture
def short_stripe_timeout(settings):
    settings.STRIPE_REQUEST_TIMEOUT = 1
    settings.STRIPE_MAX_NETWORK_RETRIES = 1


@pytest.fixture
def buyer_with_cart(client, user, product):
    client.force_login(user)
    assert client.post("/cart/add/", {"product": product.pk, "quantity": 3}).status_code == 302
    return client


def check_out_timed(client):
    started = time.monotonic()
    response = client.post("/cart/checkout/", follow=True)
    return response, time.monotonic() - started


def assert_nothing_paid_and_cart_intact(product):
    assert not Charge.objects.filter(status=Charge.Status.SUCCEEDED).exists()
    assert not Order.objects.filter(status=Order.Status.PAID).exists()
    assert not StockHold.objects.exists()
    assert LineItem.objects.get().quantity == 3
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 20
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 20


def test_checkout_with_stripe_stopped_answers_quickly_with_a_message_and_keeps_the_cart(
    stripe_sandbox, short_stripe_timeout, buyer_with_cart, product
):
    with stripe_sandbox.unreachable():
        response, seconds = check_out_timed(buyer_with_cart)

    assert seconds < ANSWER_WITHIN_SECONDS
    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/cart/", 303)
    assert "We could not reach our payment provider" in response.content.decode()
    assert "Nothing was charged and your cart is as you left it." in response.content.decode()
    assert Order.objects.get().status == Order.Status.CANCELED
    assert_nothing_paid_and_cart_intact(product)


def test_checkout_with_stripe_answering_past_the_timeout_answers_in_time_with_a_message_and_keeps_the_cart(
    stripe_sandbox, short_stripe_timeout, buyer_with_cart, product
):
    with stripe_sandbox.slow(4):
        response, seconds = check_out_timed(buyer_with_cart)

    assert seconds < ANSWER_WITHIN_SECONDS
    assert response.redirect_chain[-1] == ("/cart/", 303)
    assert "Nothing was charged" in response.content.decode()
    assert Order.objects.get().status == Order.Status.CANCELED
    assert_nothing_paid_and_cart_intact(product)
    # Stripe is back: the same cart checks out.
    assert buyer_with_cart.post("/cart/checkout/").status_code == 303
    assert Order.objects.filter(status=Order.Status.PENDING).count() == 1


def test_stock_held_by_an_order_never_paid_goes_back_on_the_shelf_when_the_hold_expires_even_with_stripe_down(
    stripe_sandbox, short_stripe_timeout, buyer_with_cart, product
):
    assert buyer_with_cart.post("/cart/checkout/").status_code == 303
    order = Order.objects.get()
    hold = StockHold.objects.get(order=order)
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 17

    with stripe_sandbox.unreachable():
        with time_machine.travel(hold.expires_at - timedelta(seconds=1), tick=False):
            assert holds.stock_holds_release_expired() == 0
            assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 17
        # Availability compares holds with the database's clock, which time-machine cannot move: the sweep is what
        # this proves, run at the travelled time as the scheduler would run it then.
        with time_machine.travel(hold.expires_at + timedelta(seconds=1), tick=False):
            assert holds.stock_holds_release_expired(now=timezone.now()) == 1

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert_nothing_paid_and_cart_intact(product)
