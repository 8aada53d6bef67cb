"""One payment for an order, announced five times at once while the buyer's browser comes back: sold once."""

import pytest
from django.core import mail

from billing.models import Charge, WebhookEvent
from shop.models import Cart, Order, ProductPage, StockHold
from tests.concurrency import post_event, return_from_checkout, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 5


def test_the_same_event_five_times_at_once_racing_the_success_redirect_fulfils_the_order_once(
    stripe_sandbox, client, user, product
):
    client.force_login(user)
    assert client.post("/cart/add/", {"product": product.pk, "quantity": 2}).status_code == 302
    assert client.post("/cart/checkout/").status_code == 303
    order = Order.objects.get()
    charge = Charge.objects.for_object(order).get()
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    (completed,) = stripe_sandbox.events("checkout.session.completed")

    actions = [lambda: post_event(completed)] * DELIVERIES + [
        lambda: return_from_checkout(user, charge.stripe_checkout_session_id)
    ]
    results, failures = run_at_once(actions)

    assert failures == []
    assert sorted(status for status in results if isinstance(status, int)) == [200] * DELIVERIES
    assert [result for result in results if isinstance(result, tuple)] == [(302, f"/orders/{order.pk}/")]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Charge.objects.get(pk=charge.pk).status == Charge.Status.SUCCEEDED
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    assert not StockHold.objects.exists()
    assert not Cart.objects.exists()
    assert WebhookEvent.objects.filter(stripe_event_id=completed.id).count() == 1
    assert len([message for message in mail.outbox if order.number in message.subject]) == 1
