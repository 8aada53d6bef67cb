"""The whole checkout against the offline Stripe sandbox: cart → order → Stripe Checkout → webhook → paid."""

import pytest
from django.core import mail

from billing import payables, stripe_client
from billing.models import Charge
from billing.services.refunds import charge_apply_dispute
from billing.signals import charge_canceled
from shop import fulfilment
from shop.models import Cart, LineItem, Order, ProductPage, StockHold
from shop.services import cart_add_item
from shop.stock import stock_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def add(client, product, quantity):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": quantity})
    assert response.status_code == 302, response.content


def checkout(client):
    response = client.post("/cart/checkout/")
    assert response.status_code == 303, response.content
    return response


def pending_charge(order):
    return Charge.objects.for_object(order).get(status=Charge.Status.PENDING)


def test_checkout_pay_and_webhook_make_a_paid_order_take_stock_empty_cart_and_email_buyer(
    stripe_sandbox, signed_in, user, product, make_product, django_capture_on_commit_callbacks
):
    lamp = make_product(title="Desk lamp", sku="LAMP-1", price_amount=4500, stock_on_hand=3)
    add(signed_in, product, 2)
    add(signed_in, lamp, 1)

    response = checkout(signed_in)

    order = Order.objects.get()
    charge = pending_charge(order)
    assert response["Location"] == charge.checkout_url
    assert order.status == Order.Status.PENDING
    assert order.user == user
    assert order.number == f"ORD-{order.pk:06d}"
    assert order.total_amount == 2 * 1800 + 4500
    assert [(line.title, line.sku, line.unit_price_amount, line.quantity) for line in order.lines.all()] == [
        ("Stoneware mug", "MUG-1", 1800, 2),
        ("Desk lamp", "LAMP-1", 4500, 1),
    ]
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    assert session["amount_total"] == 8100
    # Held, not sold: availability drops, stock on hand does not.
    assert ProductPage.objects.with_availability().get(pk=lamp.pk).available_quantity == 2
    assert ProductPage.objects.get(pk=lamp.pk).stock_on_hand == 3
    assert StockHold.objects.get(product=lamp).expires_at > charge.checkout_expires_at

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        responses = stripe_sandbox.deliver_events(signed_in)

    assert {r.status_code for r in responses} == {200}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    assert ProductPage.objects.get(pk=lamp.pk).stock_on_hand == 2
    assert ProductPage.objects.with_availability().get(pk=lamp.pk).available_quantity == 2
    assert not StockHold.objects.exists()
    assert not Cart.objects.exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert order.number in mail.outbox[0].subject
    assert "Desk lamp" in mail.outbox[0].body

    # The buyer comes back from Checkout and lands on the order page.
    back = signed_in.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})
    assert back.status_code == 302
    assert back["Location"] == f"/orders/{order.pk}/"
    page = signed_in.get(back["Location"])
    assert "Paid" in page.content.decode()
    assert order.number in signed_in.get("/orders/").content.decode()


def test_the_return_page_alone_fulfils_once_and_the_late_webhook_changes_nothing(
    stripe_sandbox, signed_in, user, product, django_capture_on_commit_callbacks
):
    add(signed_in, product, 3)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        back = signed_in.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})
        stripe_sandbox.deliver_events(signed_in)

    assert back["Location"] == f"/orders/{order.pk}/"
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 17
    assert len(mail.outbox) == 1


def test_session_expiry_releases_the_hold_expires_the_order_and_keeps_the_cart(stripe_sandbox, signed_in, product):
    add(signed_in, product, 4)
    checkout(signed_in)
    order = Order.objects.get()
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 16

    stripe_sandbox.expire_session(pending_charge(order).stripe_checkout_session_id)
    stripe_sandbox.deliver_events(signed_in)

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert not StockHold.objects.exists()
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 20
    assert LineItem.objects.get().quantity == 4


def test_buyer_cancelling_on_checkout_releases_the_hold_and_returns_to_the_cart(stripe_sandbox, signed_in, product):
    add(signed_in, product, 2)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)

    response = signed_in.get(f"/billing/checkout/{charge.reference}/cancel/")

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert not StockHold.objects.exists()
    assert LineItem.objects.get().quantity == 2
    # The session is closed at Stripe too, so the old page cannot be paid.
    assert stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)["status"] == "expired"


def test_stripe_down_at_checkout_says_so_releases_the_hold_and_leaves_the_cart(stripe_sandbox, signed_in, product):
    add(signed_in, product, 2)

    with stripe_sandbox.unreachable():
        response = signed_in.post("/cart/checkout/", follow=True)

    assert response.redirect_chain[-1] == ("/cart/", 303)
    text = response.content.decode()
    assert "Nothing was charged" in text
    order = Order.objects.get()
    assert order.status == Order.Status.CANCELED
    assert not StockHold.objects.exists()
    assert LineItem.objects.get().quantity == 2


def test_paid_after_the_hold_expired_and_the_stock_sold_is_refunded_and_the_buyer_told(
    stripe_sandbox, signed_in, user, make_product, django_capture_on_commit_callbacks
):
    vase = make_product(title="Glass vase", sku="VASE-1", price_amount=3000, stock_on_hand=1)
    add(signed_in, vase, 1)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)
    # The hold ran out and someone else bought the last vase in the meantime.
    StockHold.objects.update(expires_at=order.created_at)
    stock_set(product=vase, quantity=0)

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(signed_in)
    # The refund's own webhook arrives too; it changes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(signed_in)

    order.refresh_from_db()
    charge.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert "Glass vase sold out" in order.refund_reason
    assert charge.status == Charge.Status.REFUNDED
    assert ProductPage.objects.get(pk=vase.pk).stock_on_hand == 0
    assert [message.subject for message in mail.outbox] == [f"Order {order.number} refunded: $30.00"]
    assert "sold out" in mail.outbox[0].body
    page = signed_in.get(f"/orders/{order.pk}/").content.decode()
    assert "We refunded this order in full." in page
    assert "Glass vase sold out" in page


def test_paid_after_the_hold_expired_while_stock_remained_is_still_sold(
    stripe_sandbox, signed_in, product, django_capture_on_commit_callbacks
):
    add(signed_in, product, 2)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)
    StockHold.objects.update(expires_at=order.created_at)

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(signed_in)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18


def test_a_second_click_on_checkout_reuses_the_order_and_its_session(stripe_sandbox, signed_in, product):
    add(signed_in, product, 1)
    first = checkout(signed_in)
    second = checkout(signed_in)

    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert StockHold.objects.get().quantity == 1


def test_checking_out_a_changed_cart_replaces_the_earlier_pending_order(stripe_sandbox, signed_in, product, user):
    add(signed_in, product, 1)
    checkout(signed_in)
    first = Order.objects.get()
    first_charge = pending_charge(first)
    add(signed_in, product, 1)

    checkout(signed_in)

    first.refresh_from_db()
    assert first.status == Order.Status.CANCELED
    assert stripe_client.retrieve_checkout_session(first_charge.stripe_checkout_session_id)["status"] == "expired"
    second = Order.objects.exclude(pk=first.pk).get()
    assert second.status == Order.Status.PENDING
    assert StockHold.objects.get().order == second
    assert StockHold.objects.get().quantity == 2
    assert ProductPage.objects.with_availability().get(pk=product.pk).available_quantity == 18


def test_cart_line_added_by_service_records_the_price_seen(session, product):
    line = cart_add_item(user=None, session=session, product_id=product.pk, quantity=1)
    assert line.price_seen_amount == 1800


def test_an_automatic_refund_stripe_refuses_for_now_waits_and_the_retry_service_makes_it(
    stripe_sandbox, signed_in, make_product, django_capture_on_commit_callbacks
):
    vase = make_product(title="Glass vase", sku="VASE-3", price_amount=3000, stock_on_hand=1)
    add(signed_in, vase, 1)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)
    StockHold.objects.update(expires_at=order.created_at)
    stock_set(product=vase, quantity=0)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=False):  # the refund after commit is run by hand below
        stripe_sandbox.deliver_events(signed_in)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUND_PENDING
    assert "We are refunding this order in full." in signed_in.get(f"/orders/{order.pk}/").content.decode()

    with stripe_sandbox.unreachable():
        fulfilment.order_refund_unfulfillable(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUND_PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert fulfilment.orders_retry_pending_refunds() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Charge.objects.for_object(order).get().status == Charge.Status.REFUNDED
    assert fulfilment.orders_retry_pending_refunds() == 0


def test_a_dispute_on_a_paid_order_marks_it_disputed(
    stripe_sandbox, signed_in, product, django_capture_on_commit_callbacks
):
    add(signed_in, product, 1)
    checkout(signed_in)
    order = Order.objects.get()
    charge = pending_charge(order)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(signed_in)
    charge.refresh_from_db()

    charge_apply_dispute(
        dispute={"id": "dp_1", "charge": charge.stripe_charge_id, "payment_intent": charge.stripe_payment_intent_id}
    )

    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED


def test_a_declined_card_keeps_the_order_and_its_hold_for_another_try(stripe_sandbox, signed_in, product):
    add(signed_in, product, 1)
    checkout(signed_in)
    order = Order.objects.get()
    # Billing marks a declined saved-card payment failed and tells the payable through charge_canceled.
    Charge.objects.filter(pk=pending_charge(order).pk).update(status=Charge.Status.FAILED)

    payables.announce(charge_canceled, charge=Charge.objects.for_object(order).get())

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert StockHold.objects.filter(order=order).exists()
