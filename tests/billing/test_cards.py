"""Saved cards: saved only when the payer asks at Checkout, and each card listed once (matched by Stripe's
fingerprint), a new save of the same card replacing the old one."""

import pytest

from billing import stripe_client
from billing.models import Charge
from billing.services import cards, customers
from tests.billing.test_payment_flows import start_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def save_card(user, number="4242424242424242", exp_year=2034):
    customer = customers.customer_get_or_create(user=user)
    client = stripe_client.get_client()
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer.stripe_customer_id})
    return method.id


def test_a_checkout_payment_saves_no_card_unless_the_payer_ticks_the_box(stripe_sandbox, signed_in, user, invoice):
    charge = start_checkout(signed_in, invoice)
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    assert session["saved_payment_method_options"]["payment_method_save"] == "enabled"

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    stripe_sandbox.deliver_events(signed_in)

    assert Charge.objects.get(pk=charge.pk).status == Charge.Status.SUCCEEDED
    intent = stripe_client.retrieve_payment_intent(Charge.objects.get(pk=charge.pk).stripe_payment_intent_id)
    assert not intent["setup_future_usage"]
    assert cards.card_list(user=user) == []


def test_the_same_card_saved_twice_is_listed_once_newest_first(stripe_sandbox, user):
    older = save_card(user)
    newer = save_card(user)
    other = save_card(user, number="5555555555554444")

    listed = cards.card_list(user=user)

    assert sorted(card.id for card in listed) == sorted([newer, other])
    assert older not in {card.id for card in listed}
    assert len({card.fingerprint for card in listed}) == 2


def test_a_new_save_of_the_same_card_replaces_the_old_one(stripe_sandbox, user):
    older = save_card(user)
    newer = save_card(user)

    assert cards.cards_remove_duplicates(user=user) == 1

    remaining = {
        pm["id"] for pm in stripe_client.list_cards(customers.customer_get_or_create(user=user).stripe_customer_id)
    }
    assert remaining == {newer}
    assert older not in remaining


def test_the_cards_page_lists_each_card_once(stripe_sandbox, signed_in, user):
    save_card(user)
    save_card(user)
    page = signed_in.get("/billing/cards/").content.decode()
    assert page.count("<strong>Visa •••• 4242</strong>") == 1


def test_paying_again_with_a_saved_card_ticked_leaves_one_save_of_it(stripe_sandbox, signed_in, user, invoice):
    save_card(user)
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id, save_card=True)
    signed_in.get("/billing/checkout/return/", {"session_id": charge.stripe_checkout_session_id})

    customer_id = customers.customer_get_or_create(user=user).stripe_customer_id
    assert len(stripe_client.list_cards(customer_id)) == 1
