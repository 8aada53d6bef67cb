"""Checkout Sessions through the real stripe library: create, retrieve, list, expire, line items."""

import time

import pytest
import stripe

from .conftest import ONE_HOUR


def test_create_returns_an_open_session_with_the_fields_billing_reads(make_session, customer):
    session = make_session(
        customer=customer.id,
        payment_intent_data={"metadata": {"order": "42"}, "setup_future_usage": "off_session"},
        saved_payment_method_options={"payment_method_save": "enabled"},
    )

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.mode == "payment"
    assert session.amount_total == 3000
    assert session.currency == "usd"
    assert session.customer == customer.id
    assert session.payment_intent is None
    assert session.metadata.to_dict() == {"order": "42"}
    assert session.client_reference_id == "order-42"
    assert session.url.endswith(f"/pay/{session.id}")
    assert session.expires_at > time.time()
    assert session.saved_payment_method_options["payment_method_save"] == "enabled"
    assert session.success_url.endswith("?session_id={CHECKOUT_SESSION_ID}")


def test_create_with_customer_email_keeps_it_and_no_customer(make_session):
    session = make_session(customer_email="guest@example.com")

    assert session.customer is None
    assert session.customer_email == "guest@example.com"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": ""}, "Missing required param: mode."),
        ({"mode": "subscription"}, "mode=payment only"),
        ({"line_items": []}, "Missing required param: line_items."),
        ({"customer": "cus_missing"}, "No such customer: 'cus_missing'"),
        ({"customer_email": "a@example.com", "customer": "cus_x"}, "only specify one of these parameters"),
        ({"expires_at": int(time.time()) + 60}, "at least 30 minutes"),
        ({"expires_at": int(time.time()) + 25 * ONE_HOUR}, "less than 24 hours"),
        ({"success_url": "not a url"}, "Not a valid URL"),
        ({"shoe_size": "42"}, "Received unknown parameter: shoe_size"),
        (
            {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100}, "quantity": 1}]},
            "product_data[name]",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}},
                        "quantity": 0,
                    }
                ]
            },
            "quantity must be at least 1",
        ),
    ],
)
def test_create_refuses_bad_parameters_with_a_clear_error(make_session, overrides, message):
    with pytest.raises(stripe.InvalidRequestError, match=message.replace("[", r"\[").replace("]", r"\]")) as raised:
        make_session(**overrides)

    assert raised.value.http_status in (400, 404)


def test_line_items_in_mixed_currencies_are_refused(make_session):
    items = [
        {"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}}, "quantity": 1},
        {"price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "B"}}, "quantity": 1},
    ]
    with pytest.raises(stripe.InvalidRequestError, match="same currency"):
        make_session(line_items=items)


def test_retrieve_returns_the_session_and_an_unknown_id_is_404(stripe_client, make_session):
    session = make_session()

    assert stripe_client.checkout.sessions.retrieve(session.id).id == session.id
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.checkout.sessions.retrieve("cs_test_nope")
    assert raised.value.http_status == 404


def test_retrieve_expands_the_payment_intent_once_paid(stripe_client, stripe_sandbox, make_session, customer):
    session = make_session(customer=customer.id, payment_intent_data={"metadata": {"order": "42"}})
    stripe_sandbox.pay_checkout_session(session.id)

    plain = stripe_client.checkout.sessions.retrieve(session.id)
    expanded = stripe_client.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})

    assert isinstance(plain.payment_intent, str)
    assert expanded.payment_intent.id == plain.payment_intent
    assert expanded.payment_intent.status == "succeeded"
    assert expanded.payment_intent.amount == 3000
    assert expanded.payment_intent.customer == customer.id
    assert expanded.payment_intent.metadata.to_dict() == {"order": "42"}
    assert isinstance(expanded.payment_intent.latest_charge, str)


def test_list_filters_by_status_customer_payment_intent_and_created(
    stripe_client, stripe_sandbox, make_session, customer
):
    paid = make_session(customer=customer.id)
    open_session = make_session()
    paid = stripe_sandbox.pay_checkout_session(paid.id)
    sessions = stripe_client.checkout.sessions

    assert [s.id for s in sessions.list(params={"status": "complete"}).data] == [paid["id"]]
    assert [s.id for s in sessions.list(params={"status": "open"}).data] == [open_session.id]
    assert [s.id for s in sessions.list(params={"customer": customer.id}).data] == [paid["id"]]
    assert [s.id for s in sessions.list(params={"payment_intent": paid["payment_intent"]}).data] == [paid["id"]]
    everything = sessions.list(params={"created": {"gte": paid["created"]}}).data
    assert [s.id for s in everything] == [open_session.id, paid["id"]]  # newest first
    assert sessions.list(params={"created": {"gt": int(time.time()) + 10}}).data == []


def test_list_pages_with_starting_after(stripe_client, make_session):
    created = [make_session().id for _ in range(3)]

    first_page = stripe_client.checkout.sessions.list(params={"limit": 2})
    every_id = [session.id for session in first_page.auto_paging_iter()]

    assert first_page.has_more is True
    assert every_id == list(reversed(created))


def test_list_refuses_unknown_filters(stripe_client):
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: colour"):
        stripe_client.checkout.sessions.list(params={"colour": "blue"})


def test_list_line_items_gives_each_line_with_its_price(stripe_client, make_session):
    session = make_session()

    lines = stripe_client.checkout.sessions.line_items.list(session.id)

    assert [(line.description, line.quantity, line.amount_total) for line in lines.data] == [
        ("Mug", 2, 2500),
        ("Sticker", 1, 500),
    ]
    assert lines.data[0].price.unit_amount == 1250
    assert lines.data[0].currency == "usd"


def test_expire_closes_an_open_session_and_sends_checkout_session_expired(stripe_client, stripe_sandbox, make_session):
    session = make_session()

    expired = stripe_client.checkout.sessions.expire(session.id)

    assert expired.status == "expired"
    assert expired.url is None
    [event] = stripe_sandbox.events("checkout.session.expired")
    assert event.data_object["id"] == session.id


def test_expire_refuses_a_completed_session(stripe_client, stripe_sandbox, make_session):
    session = make_session()
    stripe_sandbox.pay_checkout_session(session.id)

    with pytest.raises(stripe.InvalidRequestError, match='status of "complete"'):
        stripe_client.checkout.sessions.expire(session.id)


def test_expire_session_helper_expires_through_the_api(stripe_sandbox, make_session):
    session = make_session()

    assert stripe_sandbox.expire_session(session.id)["status"] == "expired"


def test_sessions_past_expires_at_expire_when_the_clock_is_ticked(stripe_client, stripe_sandbox, make_session):
    due = make_session(expires_at=int(time.time()) + ONE_HOUR)
    later = make_session(expires_at=int(time.time()) + 3 * ONE_HOUR)

    expired_ids = stripe_sandbox.expire_due_sessions(now=int(time.time()) + 2 * ONE_HOUR)

    assert expired_ids == [due.id]
    assert [e.data_object["id"] for e in stripe_sandbox.events("checkout.session.expired")] == [due.id]
    assert stripe_client.checkout.sessions.retrieve(later.id).status == "open"


def test_update_changes_metadata(stripe_client, make_session):
    session = make_session()

    updated = stripe_client.checkout.sessions.update(session.id, params={"metadata": {"note": "gift"}})

    assert updated.metadata.to_dict() == {"order": "42", "note": "gift"}


def test_the_module_level_stripe_api_reaches_the_sandbox_too(stripe_sandbox):
    customer = stripe.Customer.create(email="module@example.com")

    assert stripe.Customer.retrieve(customer.id).email == "module@example.com"
