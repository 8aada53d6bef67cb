"""One vocabulary for states: an order and its payment read the same word, each with a line saying what it means;
and one success message after paying for an order."""

import re

import pytest

from billing.models import Charge, ChargeStatus
from jobs.models import JobStatus
from shop.emails import STATUSES, order_email_send
from shop.models import Order
from shop.statuses import OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def check_out(client, product):
    added = client.post("/cart/add/", {"product": product.pk, "quantity": 1}, follow=True)
    assert "Added 1 of" in added.content.decode()  # the cart page showed (and spent) its message
    assert client.post("/cart/checkout/").status_code == 303
    order = Order.objects.get()
    return order, Charge.objects.for_object(order).get()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("choices", [OrderStatus, ChargeStatus, JobStatus])
def test_every_state_has_a_word_and_a_one_line_meaning(choices):
    for state in choices:
        assert state.label and state.description.endswith(".")
        assert "\n" not in state.description


def test_the_same_state_reads_the_same_word_on_orders_payments_and_listings():
    assert OrderStatus.PENDING.label == ChargeStatus.PENDING.label == JobStatus.UNPAID.label == "Awaiting payment"
    assert OrderStatus.PAID.label == ChargeStatus.SUCCEEDED.label == "Paid"
    assert OrderStatus.EXPIRED.label == OrderStatus.CANCELED.label == ChargeStatus.CANCELED.label == "Canceled"
    assert OrderStatus.REFUNDED.label == ChargeStatus.REFUNDED.label == "Refunded"
    assert OrderStatus.DISPUTED.label == ChargeStatus.DISPUTED.label == "Disputed"


def test_a_canceled_checkout_reads_canceled_with_its_meaning_under_orders_and_payments(
    stripe_sandbox, signed_in, product
):
    order, charge = check_out(signed_in, product)

    signed_in.get(f"/billing/checkout/{charge.reference}/cancel/")

    order.refresh_from_db()
    charge.refresh_from_db()
    assert (order.status, charge.status) == (Order.Status.EXPIRED, Charge.Status.CANCELED)
    for url, meaning in [
        ("/orders/", OrderStatus.EXPIRED.description),
        (f"/orders/{order.pk}/", OrderStatus.EXPIRED.description),
        ("/billing/payments/", ChargeStatus.CANCELED.description),
        (f"/billing/payments/{charge.reference}/", ChargeStatus.CANCELED.description),
    ]:
        text = text_of(signed_in.get(url))
        assert "Canceled" in text, url
        assert "Expired" not in text, url
        assert meaning in text, url


def test_paying_for_an_order_says_thank_you_once_on_its_page(stripe_sandbox, signed_in, product):
    order, charge = check_out(signed_in, product)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)

    response = signed_in.get(
        "/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    text = text_of(response)
    assert text.count("Thank you") == 1
    assert "your order is paid" in text
    assert not list(response.context["messages"])


@pytest.mark.parametrize("kind", ["paid", "shipped", "refunded"])
def test_order_emails_name_the_state_in_the_same_words_and_say_what_it_means(user, kind, mailoutbox):
    order = Order.objects.create(user=user, email=user.email, currency="usd", total_amount=1800, carrier="UPS")
    status = STATUSES[kind]

    assert order_email_send(order_id=order.pk, kind=kind)

    [message] = mailoutbox
    assert f"Status: {status.label}. {status.description}" in message.body
    for html, _ in message.alternatives:
        assert f"Status: <strong>{status.label}</strong>. {status.description}" in html
