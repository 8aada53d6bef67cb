import time

import pytest
import stripe

ONE_HOUR = 60 * 60


@pytest.fixture
def stripe_client(stripe_sandbox):
    return stripe.StripeClient(
        "sk_test_sandbox", base_addresses={"api": stripe_sandbox.api_base}, max_network_retries=0
    ).v1


@pytest.fixture
def customer(stripe_client):
    return stripe_client.customers.create(params={"email": "buyer@example.com", "name": "Bea Buyer"})


@pytest.fixture
def make_session(stripe_client):
    def make(**overrides):
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {"currency": "usd", "unit_amount": 1250, "product_data": {"name": "Mug"}},
                    "quantity": 2,
                },
                {
                    "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Sticker"}},
                    "quantity": 1,
                },
            ],
            "success_url": "http://testserver/checkout/done/?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://testserver/cart/",
            "metadata": {"order": "42"},
            "client_reference_id": "order-42",
            "expires_at": int(time.time()) + ONE_HOUR,
        }
        params.update(overrides)
        return stripe_client.checkout.sessions.create(params=params)

    return make
