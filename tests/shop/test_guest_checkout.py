"""Guest checkout on the offline Stripe sandbox: the order becomes the account's with the address Checkout collected
(made there and then if new), exactly once, and nobody is signed in to an existing account because an address
matched."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from accounts.models import EmailAddress, SignInLink
from accounts.verification import email_is_verified
from billing.models import Charge
from shop.models import Cart, LineItem, Order, ProductPage, StockHold
from shop.stock import stock_set

pytestmark = pytest.mark.django_db
User = get_user_model()


def add(client, product, quantity):
    assert client.post("/cart/add/", {"product": product.pk, "quantity": quantity}).status_code == 302


def guest_checkout(client, product, quantity=2):
    add(client, product, quantity)
    response = client.post("/cart/checkout/")
    assert response.status_code == 303, response.content
    order = Order.objects.get()
    return order, Charge.objects.for_object(order).get()


def pay_and_deliver(stripe_sandbox, client, charge, email, capture, types=None):
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id, email=email)
    with capture(execute=True):
        responses = stripe_sandbox.deliver_events(client, types=types)
    assert {r.status_code for r in responses} <= {200}
    return responses


def sign_in_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/link/[^\s/]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_new_address_gets_a_new_account_that_owns_the_order_and_a_one_time_link(
    client, stripe_sandbox, product, django_capture_on_commit_callbacks
):
    order, charge = guest_checkout(client, product)
    assert order.user is None

    pay_and_deliver(stripe_sandbox, client, charge, "New.Buyer@example.com", django_capture_on_commit_callbacks)

    order.refresh_from_db()
    buyer = User.objects.get(email="new.buyer@example.com")
    assert order.user == buyer
    assert order.status == Order.Status.PAID
    assert order.email == "new.buyer@example.com"
    assert not buyer.has_usable_password()
    assert not email_is_verified(buyer)
    assert EmailAddress.objects.get(user=buyer).origin == EmailAddress.Origin.GUEST_CHECKOUT
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    assert not StockHold.objects.exists()
    assert not Cart.objects.exists()
    assert "_auth_user_id" not in client.session
    # The confirmation carries the one-time link, in plain text and HTML.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.buyer@example.com"]
    assert "/accounts/link/" in mail.outbox[0].alternatives[0][0]
    assert SignInLink.objects.get().user == buyer

    # The buyer is back from Checkout: the order's page opens in this browser without signing in.
    back = client.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})
    assert back["Location"] == f"/orders/{order.pk}/"
    page = client.get(back["Location"])
    assert page.status_code == 200
    assert order.number in page.content.decode()
    # Another browser sees nothing.
    assert Client().get(f"/orders/{order.pk}/")["Location"].startswith("/accounts/login/")

    # The link signs the buyer in once; they choose a password and see the order under /orders/.
    link = sign_in_path(mail.outbox[0])
    client.post(link)
    assert int(client.session["_auth_user_id"]) == buyer.pk
    client.post(
        "/accounts/password/", {"new_password1": "a-long-passphrase-42", "new_password2": "a-long-passphrase-42"}
    )
    assert order.number in client.get("/orders/").content.decode()
    assert email_is_verified(buyer)


def test_a_known_address_puts_the_order_on_that_account_without_signing_anyone_in_to_it(
    client, stripe_sandbox, product, user, django_capture_on_commit_callbacks
):
    own_cart = Cart.objects.create(user=user)
    LineItem.objects.create(cart=own_cart, product=product, variant=product.variants.get(), quantity=1)
    order, charge = guest_checkout(client, product)

    pay_and_deliver(stripe_sandbox, client, charge, user.email.upper(), django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.user == user
    assert order.status == Order.Status.PAID
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session
    # The account's own cart is not the one that was bought: it stays.
    assert LineItem.objects.filter(cart=own_cart).count() == 1
    assert not Cart.objects.filter(user__isnull=True).exists()
    # An account with a password gets no link that signs in: its owner signs in as usual.
    assert "/accounts/link/" not in mail.outbox[0].body
    assert not SignInLink.objects.exists()
    # The paying browser still sees the order it just bought, and nothing else of the account.
    assert client.get(f"/orders/{order.pk}/").status_code == 200
    assert client.get("/orders/")["Location"].startswith("/accounts/login/")


def test_the_payment_intent_arriving_first_still_fulfils_once_with_the_address(
    client, stripe_sandbox, product, django_capture_on_commit_callbacks
):
    order, charge = guest_checkout(client, product)

    pay_and_deliver(
        stripe_sandbox,
        client,
        charge,
        "pi-first@example.com",
        django_capture_on_commit_callbacks,
        types="payment_intent.succeeded",
    )
    order.refresh_from_db()
    assert order.user.email == "pi-first@example.com"
    assert order.status == Order.Status.PAID

    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(client)
        client.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})

    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    assert len(mail.outbox) == 1
    assert User.objects.count() == 1


def test_a_guest_paid_after_the_stock_sold_is_refunded_like_anyone(
    client, stripe_sandbox, make_product, django_capture_on_commit_callbacks
):
    vase = make_product(title="Glass vase", sku="VASE-1", price_amount=3000, stock_on_hand=1)
    order, charge = guest_checkout(client, vase, quantity=1)
    StockHold.objects.update(expires_at=order.created_at)
    stock_set(product=vase, quantity=0)

    pay_and_deliver(stripe_sandbox, client, charge, "late@example.com", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(client)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.user.email == "late@example.com"
    assert Charge.objects.get().status == Charge.Status.REFUNDED


def test_a_guest_who_gives_up_keeps_the_cart_and_the_stock_goes_back(client, stripe_sandbox, product):
    order, charge = guest_checkout(client, product, quantity=3)

    back = client.get(f"/billing/checkout/{charge.reference}/cancel/")

    assert back["Location"] == "/cart/"
    order.refresh_from_db()
    assert order.status != Order.Status.PENDING
    assert not StockHold.objects.exists()
    assert LineItem.objects.get(cart__user__isnull=True).quantity == 3
    assert User.objects.count() == 0


def test_a_guest_who_signs_in_after_checkout_keeps_the_line_items(client, stripe_sandbox, product, user):
    guest_checkout(client, product, quantity=2)

    client.force_login(user)
    client.get("/cart/")  # force_login sends user_logged_in too; the cart merged into the account's
    assert LineItem.objects.get(cart__user=user).quantity == 2


def test_staff_see_a_guest_order_awaiting_payment_in_the_admin_list_and_export(
    client, admin_client, stripe_sandbox, product
):
    order, _ = guest_checkout(client, product)

    listing = admin_client.get("/admin/shop_order/")
    exported = admin_client.get("/admin/shop_order/", {"export": "csv"})
    detail = admin_client.get(f"/admin/shop_order/inspect/{order.pk}/")

    assert listing.status_code == 200
    assert order.number in listing.content.decode()
    body = b"".join(exported.streaming_content).decode() if exported.streaming else exported.content.decode()
    assert order.number in body
    assert detail.status_code == 200
    assert order.number in detail.content.decode()
