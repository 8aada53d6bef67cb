"""The sandbox's Checkout shipping as Stripe's: address collection and shipping options on the session, the chosen
rate in the total, the address read back, line item images on the hosted page, and card fingerprints."""

import pytest
import requests
import stripe

from stripe_sandbox.testing import SandboxRequestError

SUCCESS = "4242424242424242"
ADDRESS = {
    "shipping_name": "Ada Lovelace",
    "shipping_line1": "12 St James's Square",
    "shipping_city": "London",
    "shipping_postal_code": "SW1Y 4JH",
    "shipping_country": "GB",
}


def rate(name, amount, currency="usd", low=1, high=3):
    return {
        "shipping_rate_data": {
            "type": "fixed_amount",
            "display_name": name,
            "fixed_amount": {"amount": amount, "currency": currency},
            "delivery_estimate": {
                "minimum": {"unit": "business_day", "value": low},
                "maximum": {"unit": "business_day", "value": high},
            },
            "metadata": {"option": name.lower()},
        }
    }


@pytest.fixture
def shipping_session(make_session):
    return make_session(
        shipping_address_collection={"allowed_countries": ["GB", "US"]},
        shipping_options=[rate("Standard", 495, low=3, high=5), rate("Express", 1500)],
    )


def test_the_session_carries_its_options_with_the_first_chosen_and_in_the_total(shipping_session, stripe_client):
    session = shipping_session.to_dict()
    assert session["shipping_address_collection"] == {"allowed_countries": ["GB", "US"]}
    assert [option["shipping_amount"] for option in session["shipping_options"]] == [495, 1500]
    assert session["shipping_cost"]["shipping_rate"] == session["shipping_options"][0]["shipping_rate"]
    assert session["amount_subtotal"] == 3000
    assert session["amount_total"] == 3495
    assert session["total_details"]["amount_shipping"] == 495
    shipping_rate = stripe_client.shipping_rates.retrieve(session["shipping_options"][1]["shipping_rate"])
    assert shipping_rate.display_name == "Express"
    assert shipping_rate.metadata["option"] == "express"


def test_a_shipping_option_in_another_currency_is_refused(make_session):
    with pytest.raises(stripe.InvalidRequestError, match="must match the line items"):
        make_session(shipping_options=[rate("Euro post", 300, currency="eur")])


def test_the_hosted_page_shows_products_images_address_fields_and_rates(make_session):
    session = make_session(
        line_items=[
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 1250,
                    "product_data": {"name": "Mug", "images": ["https://shop.example/mug.jpg"]},
                },
                "quantity": 2,
            }
        ],
        shipping_address_collection={"allowed_countries": ["GB"]},
        shipping_options=[rate("Standard", 495, low=3, high=5)],
    )
    html = requests.get(session.url, timeout=10).text
    assert '<img src="https://shop.example/mug.jpg" alt="">Mug</td><td>2</td>' in html
    assert "Shipping address" in html and 'name="shipping_line1"' in html
    assert "Standard: 4.95 USD, 3 to 5 business days" in html
    assert "Shipping (Standard)" in html


def test_paying_on_the_page_with_another_rate_reads_the_rate_and_address_back(shipping_session, stripe_client):
    express = shipping_session.shipping_options[1].shipping_rate
    response = requests.post(
        shipping_session.url,
        data={"card_number": SUCCESS, "card_expiry": "12 / 34", "card_cvc": "123", "email": "a@example.com",
              "shipping_rate": express, **ADDRESS},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 303

    session = stripe_client.checkout.sessions.retrieve(shipping_session.id).to_dict()
    assert session["status"] == "complete"
    assert session["amount_total"] == 3000 + 1500
    assert session["shipping_cost"] == {
        "amount_subtotal": 1500,
        "amount_tax": 0,
        "amount_total": 1500,
        "shipping_rate": express,
    }
    details = session["collected_information"]["shipping_details"]
    assert details["name"] == "Ada Lovelace"
    assert details["address"]["country"] == "GB" and details["address"]["postal_code"] == "SW1Y 4JH"
    intent = stripe_client.payment_intents.retrieve(session["payment_intent"])
    assert intent.amount == 4500


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shipping_country": "BR"}, "We cannot ship to BR"),
        ({"shipping_line1": ""}, "Enter your full shipping address"),
    ],
)
def test_the_page_refuses_a_missing_address_or_a_country_not_allowed(shipping_session, changes, message):
    response = requests.post(
        shipping_session.url,
        data={"card_number": SUCCESS, "email": "a@example.com", **ADDRESS, **changes},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400
    assert message in response.text


def test_the_control_endpoint_refuses_an_unknown_rate(shipping_session, stripe_sandbox):
    with pytest.raises(SandboxRequestError):
        stripe_sandbox.pay_checkout_session(shipping_session.id, shipping_rate="shr_nope", email="a@example.com")


def test_a_card_number_has_one_fingerprint_however_often_it_is_saved(stripe_client):
    def make(number):
        return stripe_client.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )

    first, again, other = make(SUCCESS), make(SUCCESS), make("5555555555554444")
    assert first.card.fingerprint == again.card.fingerprint
    assert first.card.fingerprint != other.card.fingerprint
    assert stripe_client.payment_methods.retrieve(first.id).card.fingerprint == first.card.fingerprint
