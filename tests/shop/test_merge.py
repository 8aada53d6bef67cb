import pytest

from shop.factories import CartFactory, LineItemFactory
from shop.models import Cart, LineItem
from shop.selectors import CART_SESSION_KEY
from shop.stock import stock_set
from website.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, user, next_url="/cart/"):
    return client.post(
        "/accounts/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": next_url},
        follow=True,
    )


def _user_lines(user):
    return {line.product.title: line.quantity for line in LineItem.objects.filter(cart__user=user)}


def test_signing_in_moves_the_anonymous_cart_to_a_user_without_one(client, product, user):
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})
    anonymous_id = client.session[CART_SESSION_KEY]

    response = _sign_in(client, user)

    assert response.redirect_chain[-1] == ("/cart/", 302)
    assert _user_lines(user) == {"Stoneware mug": 2}
    assert not Cart.objects.filter(pk=anonymous_id).exists()
    assert CART_SESSION_KEY not in client.session
    html = response.content.decode()
    assert "We added the items from before you signed in to your cart: Stoneware mug (quantity 2)." in html
    assert "Subtotal (2 items)" in html


def test_signing_in_sums_quantities_with_the_users_existing_cart(client, product, make_product, user):
    pen = make_product(title="Brass pen", stock_on_hand=50)
    users_cart = CartFactory(user=user)
    LineItemFactory(cart=users_cart, product=product, quantity=3)
    LineItemFactory(cart=users_cart, product=pen, quantity=1)
    client.post("/cart/add/", {"product": product.pk, "quantity": 4})

    _sign_in(client, user)

    assert _user_lines(user) == {"Stoneware mug": 7, "Brass pen": 1}
    assert Cart.objects.count() == 1


def test_merge_caps_at_the_per_line_cap_and_names_the_reduced_line(client, product, user):
    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=8)
    client.post("/cart/add/", {"product": product.pk, "quantity": 5})

    html = _sign_in(client, user).content.decode()

    assert _user_lines(user) == {"Stoneware mug": 10}
    assert "Stoneware mug: reduced from 13 to 10 (at most 10 per order)." in html


def test_merge_caps_at_the_stock_available_and_drops_sold_out_lines_by_name(client, make_product, user):
    pen = make_product(title="Brass pen", stock_on_hand=4)
    poster = make_product(title="Mountain poster", stock_on_hand=5)
    LineItemFactory(cart=CartFactory(user=user), product=pen, quantity=3)
    client.post("/cart/add/", {"product": pen.pk, "quantity": 1})
    client.post("/cart/add/", {"product": poster.pk, "quantity": 2})
    # Someone bought the rest while our shopper was signing in.
    stock_set(product=pen, quantity=2)
    stock_set(product=poster, quantity=0)

    html = _sign_in(client, user).content.decode()

    assert _user_lines(user) == {"Brass pen": 2}
    assert "Brass pen: reduced from 4 to 2 (only 2 available)." in html
    assert "Mountain poster was not added: it is sold out." in html
    assert 'class="message message--warning"' in html


def test_merge_names_lines_no_longer_on_sale_or_in_another_currency(client, product, make_product, user):
    euro = make_product(title="Linen napkins", price_currency="EUR")
    withdrawn = make_product(title="Old stock")
    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=1)
    anonymous = CartFactory()
    LineItemFactory(cart=anonymous, product=euro, quantity=1)
    LineItemFactory(cart=anonymous, product=withdrawn, quantity=1)
    session = client.session
    session[CART_SESSION_KEY] = anonymous.pk
    session.save()
    withdrawn.unpublish()

    html = _sign_in(client, user).content.decode()

    assert _user_lines(user) == {"Stoneware mug": 1}
    assert "Linen napkins was not added: it is priced in EUR and your cart in USD." in html
    assert "Old stock was not added: it is no longer on sale." in html
    assert not Cart.objects.filter(pk=anonymous.pk).exists()


def test_signing_in_without_an_anonymous_cart_changes_nothing(client, product, user):
    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=2)

    html = _sign_in(client, user).content.decode()

    assert _user_lines(user) == {"Stoneware mug": 2}
    assert "We added" not in html


def test_failed_sign_in_keeps_the_anonymous_cart(client, product, user):
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})

    client.post("/accounts/login/", {"username": user.username, "password": "wrong"})

    assert LineItem.objects.get().cart.user is None
    assert CART_SESSION_KEY in client.session


def test_another_users_cart_is_never_merged(client, product, user, other_user):
    theirs = CartFactory(user=other_user)
    LineItemFactory(cart=theirs, product=product, quantity=2)
    session = client.session
    # A session pointing at a signed-in user's cart id is not an anonymous cart and must be ignored.
    session[CART_SESSION_KEY] = theirs.pk
    session.save()

    _sign_in(client, user)

    assert _user_lines(user) == {}
    assert _user_lines(other_user) == {"Stoneware mug": 2}


def test_merge_runs_for_any_login_backend(rf, product, user, session):
    """Social auth ends in django.contrib.auth.login too; calling it directly proves the receiver does the work."""
    from django.contrib.auth import login
    from django.contrib.messages.storage.fallback import FallbackStorage

    anonymous = CartFactory()
    LineItemFactory(cart=anonymous, product=product, quantity=2)
    session[CART_SESSION_KEY] = anonymous.pk
    request = rf.get("/")
    request.session = session
    request._messages = FallbackStorage(request)

    login(request, user, backend="social_core.backends.github.GithubOAuth2")

    assert _user_lines(user) == {"Stoneware mug": 2}
    assert [str(message) for message in request._messages] == [
        "We added the items from before you signed in to your cart: Stoneware mug (quantity 2)."
    ]
