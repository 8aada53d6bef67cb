"""Fault injection for tests of how the site copes with Stripe being down or slow."""

import pytest
import stripe


def test_unreachable_refuses_connections_only_inside_the_block(stripe_client, stripe_sandbox):
    with stripe_sandbox.unreachable(), pytest.raises(stripe.APIConnectionError):
        stripe_client.customers.create(params={"email": "a@example.com"})

    assert stripe_client.customers.create(params={"email": "a@example.com"}).id.startswith("cus_")


def test_unreachable_also_drops_connections_opened_before_the_block(stripe_client, stripe_sandbox):
    stripe_client.customers.create(params={"email": "warm@example.com"})  # leaves a kept-alive connection

    with stripe_sandbox.unreachable(), pytest.raises(stripe.APIConnectionError):
        stripe_client.customers.create(params={"email": "a@example.com"})


def test_slow_answers_outlast_a_short_client_timeout(stripe_sandbox):
    impatient = stripe.StripeClient(
        "sk_test_sandbox",
        base_addresses={"api": stripe_sandbox.api_base},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=0.2),
    ).v1

    with stripe_sandbox.slow(1), pytest.raises(stripe.APIConnectionError):
        impatient.customers.create(params={"email": "a@example.com"})

    assert impatient.customers.create(params={"email": "b@example.com"}).email == "b@example.com"
