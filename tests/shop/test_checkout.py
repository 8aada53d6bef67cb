"""POST /cart/checkout/ without paying: re-checks of price and stock, refusals, the orders pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop import checkout
from shop.factories import CartFactory, LineItemFactory
from shop.models import Cart, LineItem, Order, OrderLine, ProductPage, StockHold
from shop.stock import stock_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def add(client, product, quantity):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": quantity})
    assert response.status_code == 302, response.content


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def make_order(user, product, *, quantity=1, status=Order.Status.PENDING, hold_minutes=30):
    order = Order.objects.create(
        number=f"T-{Order.objects.count() + 1}",
        user=user,
        email=user.email,
        currency=product.price_currency,
        total_amount=product.price_amount * quantity,
        status=status,
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        variant=product.variants.get(),
        title=product.title,
        sku=product.sku,
        unit_price_amount=product.price_amount,
        quantity=quantity,
    )
    if hold_minutes is not None:
        StockHold.objects.create(
            order=order,
            product=product,
            variant=product.variants.get(),
            quantity=quantity,
            expires_at=timezone.now() + timedelta(minutes=hold_minutes),
        )
    return order


def test_anonymous_checkout_goes_to_stripe_as_a_guest_order_without_a_user(client, product, stripe_sandbox):
    add(client, product, 1)

    response = client.post("/cart/checkout/")

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"].startswith(stripe_sandbox.api_base)
    assert order.user is None
    assert order.guest_cart_pk is not None
    assert client.session["shop_guest_orders"] == [order.pk]


def test_checkout_is_post_only(signed_in):
    assert signed_in.get("/cart/checkout/").status_code == 405


def test_checkout_with_no_cart_is_refused_with_a_message(signed_in):
    response = signed_in.post("/cart/checkout/")

    assert response.status_code == 400
    assert "Your cart is empty" in response.content.decode()
    assert not Order.objects.exists()


def test_a_price_change_since_the_cart_stops_checkout_with_a_message_then_the_next_checkout_goes_ahead(
    signed_in, product, stripe_sandbox
):
    add(signed_in, product, 2)
    ProductPage.objects.filter(pk=product.pk).update(price_amount=2000)

    response = signed_in.post("/cart/checkout/", follow=True)

    assert response.redirect_chain == [("/cart/", 303)]
    assert "The price of Stoneware mug changed from $18.00 to $20.00." in messages_of(response)
    assert "$40.00" in response.content.decode()
    assert not Order.objects.exists()
    assert not StockHold.objects.exists()

    again = signed_in.post("/cart/checkout/")
    assert again.status_code == 303
    assert Order.objects.get().total_amount == 4000


def test_less_stock_than_the_cart_wants_lowers_the_line_and_stops_checkout(signed_in, product):
    add(signed_in, product, 5)
    stock_set(product=product, quantity=3)

    response = signed_in.post("/cart/checkout/", follow=True)

    assert "Only 3 of Stoneware mug can be bought now, so we lowered it in your cart from 5 to 3." in messages_of(
        response
    )
    assert LineItem.objects.get().quantity == 3
    assert not Order.objects.exists()


def test_sold_out_and_unpublished_products_are_removed_with_a_message_each(signed_in, product, make_product):
    gone = make_product(title="Old print", sku="PRINT-1", price_amount=900, stock_on_hand=5)
    keep = make_product(title="Pencil", sku="PENCIL-1", price_amount=200, stock_on_hand=5)
    add(signed_in, product, 1)
    add(signed_in, gone, 1)
    add(signed_in, keep, 1)
    stock_set(product=product, quantity=0)
    gone.unpublish()

    response = signed_in.post("/cart/checkout/", follow=True)

    shown = messages_of(response)
    assert "Stoneware mug has sold out, so we removed it from your cart." in shown
    assert "Old print is no longer on sale, so we removed it from your cart." in shown
    assert list(LineItem.objects.values_list("product__title", flat=True)) == ["Pencil"]
    assert not Order.objects.exists()


def test_stock_held_by_another_buyer_counts_against_this_checkout(signed_in, product, other_user):
    add(signed_in, product, 5)
    make_order(other_user, product, quantity=17)

    response = signed_in.post("/cart/checkout/", follow=True)

    assert "Only 3 of Stoneware mug can be bought now" in " ".join(messages_of(response))
    assert Order.objects.filter(user__username="alice").count() == 0


def test_mixed_currency_cart_is_refused_and_nothing_held(signed_in, user, product, make_product):
    yen = make_product(title="Tea cup", sku="CUP-1", price_amount=1500, price_currency="JPY", stock_on_hand=5)
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=product, quantity=1, price_seen_amount=1800)
    LineItemFactory(cart=cart, product=yen, quantity=1, price_seen_amount=1500)

    response = signed_in.post("/cart/checkout/")

    assert response.status_code == 400
    assert "different currencies" in response.content.decode()
    assert not StockHold.objects.exists()
    assert not Order.objects.exists()


def test_order_lines_keep_their_snapshot_when_the_product_changes(user, product):
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=product, quantity=2, price_seen_amount=1800)

    order = checkout.order_create_from_cart(user=user, cart=cart).order
    ProductPage.objects.filter(pk=product.pk).update(price_amount=9900, title="Renamed", sku="MUG-2")

    line = order.lines.get()
    assert (line.title, line.sku, line.unit_price_amount, line.quantity) == ("Stoneware mug", "MUG-1", 1800, 2)
    assert order.total_amount == 3600
    assert order.payment_amount() == 3600


def test_holds_never_exceed_stock_on_hand(user, other_user, make_product):
    lamp = make_product(title="Lamp", sku="LAMP-9", price_amount=1000, stock_on_hand=3)
    for buyer in (user, other_user):
        cart = CartFactory(user=buyer)
        LineItemFactory(cart=cart, product=lamp, quantity=2, price_seen_amount=1000)

    first = checkout.order_create_from_cart(user=user, cart=user.cart)
    second = checkout.order_create_from_cart(user=other_user, cart=other_user.cart)

    assert first.order is not None
    assert second.order is None
    assert second.changes == ["Only 1 of Lamp can be bought now, so we lowered it in your cart from 2 to 1."]
    assert ProductPage.objects.with_availability().get(pk=lamp.pk).available_quantity == 1


def test_someone_elses_cart_cannot_be_checked_out(user, other_user, product):
    cart = CartFactory(user=other_user)
    LineItemFactory(cart=cart, product=product, quantity=1)

    with pytest.raises(checkout.CheckoutError) as refused:
        checkout.order_create_from_cart(user=user, cart=cart)

    assert refused.value.status == 404
    assert not Order.objects.exists()


def test_carts_with_a_checkout_in_progress_are_found_and_spared_by_the_purge(user, other_user, product):
    paying = CartFactory(user=user)
    idle = CartFactory(user=other_user)
    anonymous = CartFactory(user=None)
    make_order(user, product, quantity=1)
    make_order(other_user, product, quantity=1, hold_minutes=-1)

    assert list(Cart.objects.with_checkout_in_progress()) == [paying]
    assert set(Cart.objects.without_checkout_in_progress()) == {idle, anonymous}


def test_orders_page_lists_only_the_users_own_orders(signed_in, user, other_user, product):
    mine = make_order(user, product)
    theirs = make_order(other_user, product)

    html = signed_in.get("/orders/").content.decode()

    assert mine.number in html
    assert theirs.number not in html


def test_another_users_order_answers_404(signed_in, other_user, product):
    theirs = make_order(other_user, product)

    assert signed_in.get(f"/orders/{theirs.pk}/").status_code == 404


def test_orders_pages_need_sign_in(client, user, product):
    order = make_order(user, product)

    assert client.get("/orders/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/orders/{order.pk}/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/orders/0/", "/orders/99999999999999999999999/", "/orders/abc/", "/orders/-1/"])
def test_bad_order_ids_answer_404(signed_in, path):
    assert signed_in.get(path).status_code == 404


def test_pending_order_page_offers_to_continue_paying(signed_in, user, product):
    order = make_order(user, product)

    html = signed_in.get(f"/orders/{order.pk}/").content.decode()

    assert "Continue to payment" in html
    assert "/billing/pay/" in html
    assert html.count("<h1") == 1


def test_orders_pages_paginate(signed_in, user, product, settings):
    settings.SHOP_ORDERS_PAGE_SIZE = 2
    for _ in range(3):
        make_order(user, product, hold_minutes=None, status=Order.Status.EXPIRED)

    assert "Page 1 of 2" in signed_in.get("/orders/").content.decode()
    assert "Page 2 of 2" in signed_in.get("/orders/?page=2").content.decode()
    assert "Page 1 of 2" in signed_in.get("/orders/?page=nonsense").content.decode()


def test_order_can_be_paid_only_by_its_owner_while_pending(user, other_user, product):
    order = make_order(user, product)
    assert order.can_be_paid_by(user)
    assert not order.can_be_paid_by(other_user)
    order.status = Order.Status.EXPIRED
    assert not order.can_be_paid_by(user)


def test_a_pending_order_whose_hold_ran_out_can_no_longer_be_paid(user, product):
    order = make_order(user, product, hold_minutes=-1)

    assert not order.can_be_paid_by(user)


def test_the_buyers_own_hold_does_not_make_their_cart_look_sold_out(signed_in, user, make_product):
    vase = make_product(title="Glass vase", sku="VASE-2", price_amount=3000, stock_on_hand=1)
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=vase, quantity=1, price_seen_amount=3000)
    order = checkout.order_create_from_cart(user=user, cart=cart).order

    html = signed_in.get("/cart/").content.decode()

    assert "Sold out" not in html
    assert f"Order {order.number}" in html
    assert "waiting for payment" in html
    # Everyone else sees it held.
    assert ProductPage.objects.with_availability().get(pk=vase.pk).available_quantity == 0


def test_an_unpaid_order_can_be_retried_from_the_cart_with_the_same_hold(signed_in, user, product, stripe_sandbox):
    add(signed_in, product, 1)
    first = signed_in.post("/cart/checkout/")
    # The buyer used the browser's back button instead of Checkout's cancel link, and checks out again.
    again = signed_in.post("/cart/checkout/")

    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert StockHold.objects.count() == 1


def test_units_held_by_one_buyer_are_capped_by_a_setting_and_a_refusal_changes_nothing(
    signed_in, user, make_product, settings
):
    settings.SHOP_MAX_HELD_UNITS_PER_BUYER = 5
    mug = make_product(title="Mug", sku="MUG-9", stock_on_hand=50)
    lamp = make_product(title="Lamp", sku="LAMP-9", stock_on_hand=50)
    add(signed_in, mug, 3)
    add(signed_in, lamp, 3)

    response = signed_in.post("/cart/checkout/")

    assert response.status_code == 400
    assert "You can hold at most 5 items at a time" in response.text
    assert Order.objects.count() == 0
    assert StockHold.objects.count() == 0
    assert sorted(LineItem.objects.values_list("quantity", flat=True)) == [3, 3]


def test_a_new_checkout_closes_the_buyers_earlier_one_and_releases_its_holds(user, make_product):
    mug = make_product(title="Mug", sku="MUG-8", stock_on_hand=50)
    earlier = make_order(user, mug, quantity=4)
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=mug, quantity=2)

    result = checkout.order_create_from_cart(user=user, cart=cart)

    earlier.refresh_from_db()
    assert earlier.status == Order.Status.CANCELED
    assert list(StockHold.objects.values_list("order_id", "quantity")) == [(result.order.pk, 2)]
