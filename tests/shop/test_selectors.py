"""The cart page's one-query summary against the plain ORM one."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from shop.factories import CartFactory, LineItemFactory
from shop.models import Order, StockHold
from shop.selectors import CART_SESSION_KEY, cart_find, cart_summary, cart_summary_for

pytestmark = pytest.mark.django_db


def _hold(user, product, quantity, *, expires_in):
    order = Order.objects.create(
        number=f"T-{Order.objects.count() + 1}", user=user, currency="USD", total_amount=product.price_amount
    )
    StockHold.objects.create(
        order=order,
        product=product,
        variant=product.variants.get(),
        quantity=quantity,
        expires_at=timezone.now() + expires_in,
    )


def _as_tuples(summary):
    return [
        (view.line.pk, view.line.quantity, view.line.product.title, view.available_quantity, view.max_quantity)
        for view in summary.lines
    ], summary.as_json()


def test_summary_for_an_anonymous_cart_matches_the_orm_summary_with_live_and_expired_holds(make_product, other_user):
    held = make_product(title="Held", stock_on_hand=10)
    expired = make_product(title="Expired hold", stock_on_hand=4)
    unpublished = make_product(title="Gone", stock_on_hand=3)
    unpublished.unpublish()
    _hold(other_user, held, 7, expires_in=timedelta(minutes=10))
    _hold(other_user, expired, 4, expires_in=timedelta(minutes=-1))
    cart = CartFactory()
    for product, quantity in [(held, 5), (expired, 2), (unpublished, 1)]:
        LineItemFactory(cart=cart, product=product, quantity=quantity)
    session = SessionStore()
    session[CART_SESSION_KEY] = cart.pk

    fast = cart_summary_for(user=AnonymousUser(), session=session)

    assert _as_tuples(fast) == _as_tuples(cart_summary(cart_find(user=AnonymousUser(), session=session)))
    assert [view.available_quantity for view in fast.lines] == [3, 4, 3]
    assert fast.cart == cart


def test_summary_for_a_signed_in_user_counts_their_own_holds_as_theirs(make_product, user, other_user):
    product = make_product(title="Mug", stock_on_hand=5)
    _hold(user, product, 2, expires_in=timedelta(minutes=10))
    _hold(other_user, product, 1, expires_in=timedelta(minutes=10))
    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=2)
    session = SessionStore()

    fast = cart_summary_for(user=user, session=session)

    assert _as_tuples(fast) == _as_tuples(cart_summary(cart_find(user=user, session=session)))
    assert fast.lines[0].available_quantity == 4  # 5 on hand, 1 held by someone else


def test_summary_for_never_reads_an_anonymous_cart_a_user_has_taken_over(make_product, user):
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=make_product(), quantity=1)
    session = SessionStore()
    session[CART_SESSION_KEY] = cart.pk

    summary = cart_summary_for(user=AnonymousUser(), session=session)

    assert summary.cart is None and summary.lines == []
