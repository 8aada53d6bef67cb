"""From an anonymous cart through GitHub sign-in (the provider's HTTP mocked) back to the cart, then checkout."""

from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.contrib.auth import get_user_model

from shop.models import Cart, Order, StockHold

pytestmark = pytest.mark.django_db

GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"
GITHUB_USER_URL = "https://api.github.com/user"
GITHUB_EMAILS_URL = "https://api.github.com/user/emails"


def mock_github(rsps):
    rsps.add(responses.POST, GITHUB_TOKEN_URL, json={"access_token": "gho_token", "token_type": "bearer"})
    rsps.add(responses.GET, GITHUB_USER_URL, json={"id": 9001, "login": "octocat", "name": "Mona", "email": ""})
    rsps.add(responses.GET, GITHUB_EMAILS_URL, json=[{"email": "mona@example.com", "primary": True, "verified": True}])


def test_anonymous_cart_signs_in_with_github_comes_back_merged_and_checks_out(client, product, stripe_sandbox):
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})

    # The cart offers signing in first (beside guest checkout); the link keeps the way back to the cart.
    assert 'href="/accounts/login/?next=/cart/"' in client.get("/cart/").content.decode()
    sign_in_page = client.get("/accounts/login/?next=/cart/").content.decode()
    assert 'action="/auth/login/github/"' in sign_in_page
    assert 'name="next" value="/cart/"' in sign_in_page

    begin = client.post("/auth/login/github/", {"next": "/cart/"})
    authorize = urlparse(begin["Location"])
    assert authorize.netloc == "github.com"
    state = parse_qs(authorize.query)["state"][0]
    with responses.RequestsMock() as rsps:
        mock_github(rsps)
        back = client.get("/auth/complete/github/", {"code": "the-code", "state": state})

    assert back.status_code == 302
    assert back["Location"] == "/cart/"
    user = get_user_model().objects.get(social_auth__provider="github", social_auth__uid="9001")
    cart = Cart.objects.get()
    assert cart.user == user
    assert [(line.product_id, line.quantity) for line in cart.lines.all()] == [(product.pk, 2)]
    cart_page = client.get("/cart/").content.decode()
    assert "Stoneware mug" in cart_page
    assert 'action="/cart/checkout/"' in cart_page

    paying = client.post("/cart/checkout/")

    assert paying.status_code == 303
    order = Order.objects.get()
    assert order.user == user
    assert order.email == "mona@example.com"
    assert StockHold.objects.get().quantity == 2


def test_a_forged_state_on_return_from_github_signs_nobody_in_and_checks_nothing_out(client, product):
    client.post("/cart/add/", {"product": product.pk, "quantity": 1})
    client.post("/auth/login/github/", {"next": "/cart/"})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_github(rsps)
        refused = client.get("/auth/complete/github/", {"code": "c", "state": "forged"})
        assert len(rsps.calls) == 0

    assert refused["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert not Order.objects.exists()
