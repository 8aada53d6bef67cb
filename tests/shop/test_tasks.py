"""The shop's scheduled tasks: releasing expired stock holds, and a shop order caught by payment reconciliation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from billing import tasks as billing_tasks
from billing.models import Charge
from shop import tasks
from shop.models import Cart, Order, ProductPage, StockHold

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def checkout(client, product, quantity):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": quantity})
    assert response.status_code == 302, response.content
    response = client.post("/cart/checkout/")
    assert response.status_code == 303, response.content
    order = Order.objects.get()
    return order, Charge.objects.for_object(order).get(status=Charge.Status.PENDING)


def test_the_holds_task_expires_orders_whose_holds_ran_out_and_frees_the_stock(stripe_sandbox, signed_in, product):
    order, _charge = checkout(signed_in, product, 3)
    assert tasks.release_expired_holds() == {"orders_expired": 0, "refunds_retried": 0}
    StockHold.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert tasks.release_expired_holds() == {"orders_expired": 1, "refunds_retried": 0}

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert not StockHold.objects.exists()
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 20
    # The buyer's cart stays for another try.
    assert Cart.objects.get().lines.get().quantity == 3


def test_the_holds_task_through_django_q_records_its_counts(db):
    async_task("shop.tasks.release_expired_holds", group="release-expired-holds")

    run = Task.objects.get(group="release-expired-holds")
    assert run.success
    assert run.result == {"orders_expired": 0, "refunds_retried": 0}


def test_reconciliation_sells_an_order_paid_at_stripe_whose_webhook_never_came(
    stripe_sandbox, signed_in, product, django_capture_on_commit_callbacks
):
    order, charge = checkout(signed_in, product, 2)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        counts = billing_tasks.reconcile_payments()
    with django_capture_on_commit_callbacks(execute=True):
        again = billing_tasks.reconcile_payments()

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    assert not Cart.objects.exists()
    assert (counts["fulfilled"], again["fulfilled"], again["already_settled"]) == (1, 0, 1)
    assert Charge.objects.for_object(order).get().status == Charge.Status.SUCCEEDED
