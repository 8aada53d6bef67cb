"""Shipping from the cart to the paid order, against the offline Stripe sandbox: the country chosen on the cart
page, the rates Checkout offers, the address and rate read back onto the order, and the checks on each."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from billing import stripe_client
from billing.models import Charge
from billing.services import cards
from billing.services.charges import PaymentMismatch
from billing.services.settlement import charge_settle_checkout_session
from billing.stripe_client import PaymentError
from billing.tokens import payment_url
from shop.factories import ShippingRateFactory
from shop.models import Order, OrderEvent, ShippingRate, ShippingSettings
from shop.shipping import ShippingError, cheapest_quote, rate_quote, shipping_quotes

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def mug(make_product):
    return make_product(title="Stoneware mug", sku="MUG-1", price_amount=1800, requires_shipping=True)


@pytest.fixture
def tote(make_product):
    return make_product(title="Canvas tote", sku="TOTE-1", price_amount=2200, requires_shipping=True)


@pytest.fixture
def rates(db):
    standard = ShippingRateFactory(name="Standard", amount=495, countries="US GB", min_days=3, max_days=5)
    express = ShippingRateFactory(name="Express", amount=1500, countries="GB", min_days=1, max_days=2)
    return standard, express


def add(client, product, quantity=1):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": quantity})
    assert response.status_code == 302, response.content


def pending_charge(order):
    return Charge.objects.for_object(order).get(status=Charge.Status.PENDING)


def test_a_rate_costs_nothing_over_its_free_threshold_and_its_amount_below():
    rate = ShippingRate(name="Standard", amount=495, currency="USD", free_over_amount=5000)
    assert rate.amount_for(4999) == 495
    assert rate.amount_for(5000) == 0


def test_quotes_for_a_country_are_the_active_rates_serving_it_in_the_currency_cheapest_first(rates):
    standard, _express = rates
    ShippingRateFactory(name="Euro post", amount=100, currency="EUR", countries="GB")
    ShippingRateFactory(name="Retired", amount=50, countries="GB", active=False)
    quotes = shipping_quotes(currency="USD", subtotal_amount=4000, country="gb")
    assert [(quote.rate.name, quote.amount) for quote in quotes] == [("Standard", 495), ("Express", 1500)]
    assert [quote.rate.name for quote in shipping_quotes(currency="USD", subtotal_amount=4000, country="US")] == [
        "Standard"
    ]
    assert cheapest_quote(currency="USD", subtotal_amount=4000).rate == standard


def test_a_rate_in_another_currency_than_the_order_is_refused(rates):
    euro = ShippingRateFactory(name="Euro post", amount=100, currency="EUR", countries="GB")
    with pytest.raises(ShippingError, match="priced in EUR, but the order is in USD"):
        rate_quote(rate=euro, currency="USD", subtotal_amount=1000)


def test_a_country_the_shop_does_not_serve_is_refused(rates):
    with pytest.raises(ShippingError, match="We do not ship to Brazil"):
        shipping_quotes(currency="USD", subtotal_amount=1000, country="BR")


def test_a_rate_may_only_serve_countries_the_shop_ships_to(db):
    settings_row = ShippingSettings.load()
    settings_row.countries = "US GB"
    settings_row.save()
    rate = ShippingRate(name="Far", amount=100, currency="USD", countries="US BR", min_days=1, max_days=2)
    with pytest.raises(ValidationError, match="does not ship to BR"):
        rate.full_clean()


def test_the_cart_page_shows_the_cheapest_rate_from_and_then_for_the_chosen_country(signed_in, mug, rates):
    add(signed_in, mug)
    page = signed_in.get("/cart/").content.decode()
    assert "Shipping from" in page and "$4.95" in page

    page = signed_in.get("/cart/", {"country": "GB"}).content.decode()
    assert "Shipping to United Kingdom from" in page
    assert "Standard: $4.95, 3 to 5 business days" in page
    assert "Express: $15.00, 1 to 2 business days" in page
    assert 'name="country" value="GB"' in page


def test_the_cart_page_says_so_for_a_country_the_shop_does_not_serve(signed_in, mug, rates):
    add(signed_in, mug)
    page = signed_in.get("/cart/", {"country": "BR"}).content.decode()
    assert "We do not ship to Brazil." in page


def test_a_digital_cart_shows_no_shipping_and_checks_out_without_an_address(
    stripe_sandbox, signed_in, make_product, rates, django_capture_on_commit_callbacks
):
    ebook = make_product(title="Pattern book (PDF)", sku="PDF-1", price_amount=900)
    add(signed_in, ebook)
    assert "Ship to" not in signed_in.get("/cart/").content.decode()

    response = signed_in.post("/cart/checkout/")

    assert response.status_code == 303
    order = Order.objects.get()
    assert not order.requires_shipping
    session = stripe_client.retrieve_checkout_session(pending_charge(order).stripe_checkout_session_id)
    assert not session.get("shipping_address_collection")
    assert not session.get("shipping_options")
    stripe_sandbox.pay_checkout_session(session["id"])
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(signed_in)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.is_complete
    assert "Nothing to ship: your order is complete." in mail.outbox[0].body


def test_a_cart_with_goods_to_ship_needs_a_country_before_checkout(signed_in, mug, rates):
    add(signed_in, mug)
    response = signed_in.post("/cart/checkout/")
    assert response.status_code == 400
    assert "Choose the country we are shipping to" in response.content.decode()
    assert not Order.objects.exists()

    response = signed_in.post("/cart/checkout/", {"country": "BR"})
    assert response.status_code == 400
    assert "We do not ship to Brazil" in response.content.decode()
    assert not Order.objects.exists()


def test_checkout_lists_each_product_and_offers_the_rates_to_the_chosen_country(
    stripe_sandbox, signed_in, mug, tote, rates
):
    add(signed_in, mug, 2)
    add(signed_in, tote)

    response = signed_in.post("/cart/checkout/", {"country": "GB"})

    assert response.status_code == 303
    order = Order.objects.get()
    assert order.requires_shipping and order.shipping_country == "GB"
    charge = pending_charge(order)
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    assert session["shipping_address_collection"] == {"allowed_countries": ["GB"]}
    assert [option["shipping_amount"] for option in session["shipping_options"]] == [495, 1500]
    items = stripe_client.get_client().v1.checkout.sessions.line_items.list(session["id"]).to_dict()["data"]
    assert [(item["description"], item["quantity"], item["price"]["unit_amount"]) for item in items] == [
        ("Stoneware mug", 2, 1800),
        ("Canvas tote", 1, 2200),
    ]


def test_paying_reads_the_chosen_rate_and_address_back_onto_the_order(
    stripe_sandbox, signed_in, user, mug, tote, rates, django_capture_on_commit_callbacks
):
    _standard, express = rates
    add(signed_in, mug, 2)
    add(signed_in, tote)
    signed_in.post("/cart/checkout/", {"country": "GB"})
    order = Order.objects.get()
    charge = pending_charge(order)
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    express_option = session["shipping_options"][1]["shipping_rate"]

    paid = stripe_sandbox.pay_checkout_session(session["id"], shipping_rate=express_option, shipping_address=ADDRESS)
    assert paid["amount_total"] == 2 * 1800 + 2200 + 1500
    with django_capture_on_commit_callbacks(execute=True):
        responses = stripe_sandbox.deliver_events(signed_in)

    assert {r.status_code for r in responses} == {200}
    order.refresh_from_db()
    charge.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.shipping_rate == express
    assert order.shipping_rate_name == "Express"
    assert order.shipping_estimate == "1 to 2 business days"
    assert order.shipping_amount == 1500
    assert order.total_amount == 5800 + 1500
    assert order.shipping_address_lines == ["Ada Lovelace", "12 St James's Square", "SW1Y 4JH London", "United Kingdom"]
    assert charge.amount == 7300 and charge.shipping_amount == 1500
    assert list(OrderEvent.objects.filter(order=order).values_list("status", flat=True)) == ["paid"]

    # Snapshotted: editing the rate later changes nothing on the order.
    ShippingRate.objects.filter(pk=express.pk).update(name="Express (new)", amount=2500)
    page = signed_in.get(order.get_absolute_url()).content.decode()
    assert "Express, $15.00 (1 to 2 business days)" in page
    assert "12 St James&#x27;s Square" in page
    assert "Shipping (Express)" in mail.outbox[0].body


def _complete_session_with(session: dict, **changes) -> dict:
    return {**session, "status": "complete", "payment_status": "paid", **changes}


def test_a_session_whose_shipping_total_was_tampered_with_is_refused_and_nothing_is_paid(
    stripe_sandbox, signed_in, mug, rates
):
    add(signed_in, mug)
    signed_in.post("/cart/checkout/", {"country": "GB"})
    order = Order.objects.get()
    charge = pending_charge(order)
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    rate_id = session["shipping_options"][0]["shipping_rate"]
    good = _complete_session_with(
        session,
        shipping_cost={"amount_total": 495, "shipping_rate": rate_id},
        amount_total=1800 + 495,
        collected_information={"shipping_details": {"name": "A", "address": {"country": "GB"}}},
    )
    tampered = [
        {**good, "shipping_cost": {"amount_total": 1, "shipping_rate": rate_id}, "amount_total": 1801},
        {**good, "amount_total": 1800},
        {**good, "shipping_cost": {"amount_total": 495, "shipping_rate": "shr_not_offered"}},
        {**good, "collected_information": {"shipping_details": {"name": "A", "address": {"country": "BR"}}}},
    ]
    for bad in tampered:
        with pytest.raises(PaymentMismatch):
            charge_settle_checkout_session(session=bad)
        charge.refresh_from_db()
        order.refresh_from_db()
        assert charge.status == Charge.Status.PENDING
        assert order.status == Order.Status.PENDING


def test_an_order_that_ships_is_paid_through_checkout_not_a_saved_card(stripe_sandbox, signed_in, user, mug, rates):
    add(signed_in, mug)
    signed_in.post("/cart/checkout/", {"country": "GB"})
    order = Order.objects.get()
    page = signed_in.get(payment_url(order)).content.decode()
    assert 'value="saved_card"' not in page
    with pytest.raises(PaymentError, match="needs a delivery address"):
        cards.charge_pay_with_saved_card(user=user, payable=order, payment_method_id="pm_anything")
    assert Charge.objects.for_object(order).get().status == Charge.Status.PENDING


def test_the_cart_says_shipping_is_free_rather_than_from_free_when_the_cart_earns_it(signed_in, mug, rates):
    standard, _express = rates
    standard.free_over_amount = 1000
    standard.save()
    add(signed_in, mug)  # $18.00: over the $10.00 the standard rate is free above

    page = signed_in.get("/cart/").content.decode()

    assert "Shipping is <strong>free</strong> to some countries" in page
    assert "Shipping from" not in page
