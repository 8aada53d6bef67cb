"""Charges' receipts: a paid charge names a `receipt_url` on the sandbox, which serves a receipt page for it."""

import requests

from stripe_sandbox.shape import receipt_url
from tests.stripe_sandbox.test_payment_page import submit


def paid_charge(stripe_client, make_session, **session):
    checkout = make_session(customer_email="guest@example.com", **session)
    assert submit(checkout.url).status_code == 303
    paid = stripe_client.checkout.sessions.retrieve(checkout.id, params={"expand": ["payment_intent.latest_charge"]})
    return paid.payment_intent.latest_charge


def test_a_paid_charge_links_a_receipt_page_with_amount_date_description_and_card(
    stripe_sandbox, stripe_client, make_session
):
    charge = paid_charge(stripe_client, make_session, payment_intent_data={"description": "Order ORD-000042"})

    assert charge.receipt_url == f"{stripe_sandbox.api_base}/receipts/{charge.id}"
    assert stripe_client.charges.retrieve(charge.id).receipt_url == charge.receipt_url
    response = requests.get(charge.receipt_url, timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response.headers
    text = response.text
    assert "<h1>Receipt for 30.00 USD</h1>" in text
    assert "Order ORD-000042" in text
    assert "Visa ending in 4242" in text
    assert charge.id in text
    assert '<html lang="en">' in text


def test_only_a_paid_charge_has_a_receipt_and_an_unknown_one_is_not_found(stripe_sandbox):
    sandbox = stripe_sandbox.server.sandbox
    paid = {"id": "ch_1", "status": "succeeded"}

    assert receipt_url(sandbox, paid) == f"{sandbox.public_url}/receipts/ch_1"
    assert receipt_url(sandbox, {**paid, "status": "failed"}) is None
    assert receipt_url(sandbox, {**paid, "status": "pending"}) is None
    assert requests.get(f"{stripe_sandbox.api_base}/receipts/ch_nothing", timeout=10).status_code == 404
