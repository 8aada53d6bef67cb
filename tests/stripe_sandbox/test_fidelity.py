"""Where localstripe alone would differ from Stripe and hide our bugs, the sandbox answers as Stripe does."""

import pytest
import requests
import stripe


@pytest.fixture
def saved_card(stripe_client, customer):
    method = stripe_client.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return stripe_client.payment_methods.attach(method.id, params={"customer": customer.id})


@pytest.fixture
def charge_params(customer, saved_card):
    return {
        "amount": 2000,
        "currency": "usd",
        "customer": customer.id,
        "payment_method": saved_card.id,
        "off_session": True,
        "confirm": True,
    }


def test_an_off_session_charge_with_a_saved_card_succeeds(stripe_client, stripe_sandbox, charge_params):
    intent = stripe_client.payment_intents.create(params=charge_params)

    assert intent.status == "succeeded"
    assert [e.type for e in stripe_sandbox.events()][-1] == "payment_intent.succeeded"


def test_description_and_receipt_email_are_accepted_and_returned(stripe_client, charge_params):
    intent = stripe_client.payment_intents.create(
        params={**charge_params, "description": "Job listing: Senior Baker", "receipt_email": "boss@example.com"}
    )
    fetched = stripe_client.payment_intents.retrieve(intent.id)

    assert (intent.description, intent.receipt_email) == ("Job listing: Senior Baker", "boss@example.com")
    assert (fetched.description, fetched.receipt_email) == ("Job listing: Senior Baker", "boss@example.com")


def test_latest_charge_is_an_id_unless_expanded(stripe_client, charge_params):
    intent = stripe_client.payment_intents.create(params=charge_params)

    plain = stripe_client.payment_intents.retrieve(intent.id)
    expanded = stripe_client.payment_intents.retrieve(intent.id, params={"expand": ["latest_charge"]})

    assert isinstance(intent.latest_charge, str) and intent.latest_charge.startswith("ch_")
    assert plain.latest_charge == intent.latest_charge
    assert expanded.latest_charge.id == intent.latest_charge
    assert expanded.latest_charge.amount == 2000
    assert "charges" not in plain


def test_same_idempotency_key_and_parameters_returns_the_first_result(stripe_client, stripe_sandbox, charge_params):
    first = stripe_client.payment_intents.create(params=charge_params, options={"idempotency_key": "order-42-pay"})
    again = stripe_client.payment_intents.create(params=charge_params, options={"idempotency_key": "order-42-pay"})

    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe_sandbox.events("payment_intent.succeeded")) == 1


def test_same_idempotency_key_with_other_parameters_is_an_idempotency_error(stripe_client, charge_params):
    stripe_client.payment_intents.create(params=charge_params, options={"idempotency_key": "order-42-pay"})

    with pytest.raises(stripe.IdempotencyError) as raised:
        stripe_client.payment_intents.create(
            params={**charge_params, "amount": 9999}, options={"idempotency_key": "order-42-pay"}
        )

    assert raised.value.http_status == 400
    assert "same parameters" in raised.value.user_message


def test_idempotency_keys_cover_checkout_sessions_and_refunds(stripe_client, make_session, charge_params):
    params = {
        "mode": "payment",
        "success_url": "http://testserver/ok/",
        "line_items": [
            {"price_data": {"currency": "eur", "unit_amount": 900, "product_data": {"name": "Hat"}}, "quantity": 1}
        ],
    }
    first = stripe_client.checkout.sessions.create(params=params, options={"idempotency_key": "cart-7"})
    again = stripe_client.checkout.sessions.create(params=params, options={"idempotency_key": "cart-7"})
    intent = stripe_client.payment_intents.create(params=charge_params)
    refund = {"payment_intent": intent.id, "amount": 500}
    refunds = [stripe_client.refunds.create(params=refund, options={"idempotency_key": "refund-1"}) for _ in range(2)]

    assert again.id == first.id
    assert refunds[0].id == refunds[1].id
    assert stripe_client.charges.retrieve(intent.latest_charge).amount_refunded == 500


def test_a_refund_larger_than_what_is_left_is_refused(stripe_client, stripe_sandbox, charge_params):
    intent = stripe_client.payment_intents.create(params=charge_params)
    stripe_client.refunds.create(params={"payment_intent": intent.id, "amount": 1500})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.refunds.create(params={"payment_intent": intent.id, "amount": 501})

    assert raised.value.code == "amount_too_large"
    assert stripe_client.charges.retrieve(intent.latest_charge).amount_refunded == 1500
    assert len(stripe_sandbox.events("charge.refunded")) == 1


def test_a_refund_without_amount_refunds_what_is_left_and_then_nothing_more(stripe_client, charge_params):
    intent = stripe_client.payment_intents.create(params=charge_params)
    stripe_client.refunds.create(params={"payment_intent": intent.id, "amount": 500})

    rest = stripe_client.refunds.create(params={"charge": intent.latest_charge})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.refunds.create(params={"charge": intent.latest_charge})

    assert rest.amount == 1500
    assert raised.value.code == "charge_already_refunded"
    charge = stripe_client.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2000, True)


def test_an_off_session_decline_is_a_card_error_naming_the_payment_intent(stripe_client, stripe_sandbox, customer):
    method = stripe_client.payment_methods.create(
        params={"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    stripe_client.payment_methods.attach(method.id, params={"customer": customer.id})

    with pytest.raises(stripe.CardError) as raised:
        stripe_client.payment_intents.create(
            params={
                "amount": 2000,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": method.id,
                "off_session": True,
                "confirm": True,
            }
        )

    assert raised.value.code == "card_declined"
    assert raised.value.user_message == "Your card was declined."
    failed_intent = raised.value.error.payment_intent
    assert failed_intent.status == "requires_payment_method"
    assert [e.data_object["id"] for e in stripe_sandbox.events("payment_intent.payment_failed")] == [failed_intent.id]


def test_requests_without_a_secret_key_are_refused(stripe_sandbox):
    response = requests.get(f"{stripe_sandbox.api_base}/v1/checkout/sessions", timeout=10)

    assert response.status_code == 401
    assert "API key" in response.json()["error"]["message"]
