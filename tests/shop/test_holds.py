"""Stock holds (shop.holds): how long they last, that an expired one stops counting, and the sweep."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop import holds
from shop.models import Order, ProductPage, StockHold
from tests.shop.test_checkout import make_order

pytestmark = pytest.mark.django_db


def test_an_expired_hold_no_longer_counts_against_availability(user, product):
    make_order(user, product, quantity=5, hold_minutes=-1)

    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 20
    assert ProductPage.objects.get(pk=product.pk).available_quantity == 20


def test_the_sweep_expires_pending_orders_whose_holds_ran_out_and_keeps_the_rest(user, other_user, product):
    stale = make_order(user, product, quantity=2, hold_minutes=-1)
    live = make_order(other_user, product, quantity=3, hold_minutes=10)
    paid = make_order(other_user, product, quantity=1, status=Order.Status.PAID, hold_minutes=None)

    assert holds.stock_holds_release_expired() == 1
    assert holds.stock_holds_release_expired() == 0

    stale.refresh_from_db()
    live.refresh_from_db()
    paid.refresh_from_db()
    assert stale.status == Order.Status.EXPIRED
    assert stale.closed_at is not None
    assert live.status == Order.Status.PENDING
    assert paid.status == Order.Status.PAID
    assert list(StockHold.objects.values_list("order_id", flat=True)) == [live.pk]


def test_the_sweep_takes_now_from_the_caller(user, product):
    order = make_order(user, product, quantity=2, hold_minutes=10)

    assert holds.stock_holds_release_expired(now=timezone.now() + timedelta(minutes=5)) == 0
    assert holds.stock_holds_release_expired(now=timezone.now() + timedelta(minutes=11)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_hold_lasts_as_long_as_billings_checkout_session_plus_the_margin(settings):
    settings.BILLING_CHECKOUT_EXPIRY_MINUTES = 60
    settings.SHOP_HOLD_MARGIN_MINUTES = 5
    assert holds.hold_duration() == timedelta(minutes=65)
    settings.BILLING_CHECKOUT_EXPIRY_MINUTES = 5  # Stripe's minimum is 30
    assert holds.hold_duration() == timedelta(minutes=35)


# --- Orders for shoppers ---------------------------------------------------------------------------
