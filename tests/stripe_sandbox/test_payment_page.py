"""The hosted payment page at a session's url, driven with a plain HTTP client as a buyer's browser would."""

from html.parser import HTMLParser

import pytest
import requests

SUCCESS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"


class PageOutline(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.h1_count = 0
        self.inputs: list[dict] = []
        self.label_targets: set[str] = set()
        self.links: list[str] = []
        self.alerts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1_count += 1
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "label":
            self.label_targets.add(attrs.get("for"))
        elif tag == "a":
            self.links.append(attrs.get("href"))
        if attrs.get("role") == "alert":
            self.alerts += 1


def submit(session_url, **fields):
    form = {"card_number": SUCCESS, "card_expiry": "12 / 34", "card_cvc": "123", **fields}
    return requests.post(session_url, data=form, allow_redirects=False, timeout=10)


def test_page_shows_the_total_and_every_line_with_one_h1_and_labelled_inputs(make_session):
    session = make_session(customer_email="guest@example.com")

    response = requests.get(session.url, timeout=10)
    outline = PageOutline(response.text)

    assert response.status_code == 200
    assert "30.00 USD" in response.text
    assert "Mug" in response.text and "Sticker" in response.text
    assert outline.h1_count == 1
    assert {i["id"] for i in outline.inputs if i.get("type") != "hidden"} <= outline.label_targets
    assert '<html lang="en">' in response.text
    assert "Test mode" in response.text


def test_zero_decimal_currencies_show_no_decimals(make_session):
    items = [{"price_data": {"currency": "jpy", "unit_amount": 1500, "product_data": {"name": "Tea"}}, "quantity": 1}]
    session = make_session(line_items=items)

    assert "1,500 JPY" in requests.get(session.url, timeout=10).text


def test_paying_with_4242_completes_the_session_and_redirects_to_success_url(stripe_client, make_session):
    session = make_session(customer_email="guest@example.com")

    response = submit(session.url, card_number="4242 4242 4242 4242")

    assert response.status_code == 303
    assert response.headers["Location"] == f"http://testserver/checkout/done/?session_id={session.id}"
    paid = stripe_client.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.status == "succeeded"
    assert paid.payment_intent.amount == 3000
    assert paid.customer_details.email == "guest@example.com"


@pytest.mark.parametrize(
    ("card_number", "message"),
    [(DECLINED, "Your card was declined."), (INSUFFICIENT_FUNDS, "Your card has insufficient funds.")],
)
def test_a_declined_card_shows_stripes_message_and_the_buyer_can_retry(
    stripe_client, make_session, card_number, message
):
    session = make_session(customer_email="guest@example.com")

    declined = submit(session.url, card_number=card_number)

    assert declined.status_code == 402
    assert message in declined.text
    assert PageOutline(declined.text).alerts == 1
    assert stripe_client.checkout.sessions.retrieve(session.id).status == "open"

    retried = submit(session.url, card_number=SUCCESS)

    assert retried.status_code == 303
    assert stripe_client.checkout.sessions.retrieve(session.id).status == "complete"


def test_an_invalid_card_number_is_refused_before_any_payment(stripe_client, make_session):
    session = make_session(customer_email="guest@example.com")

    response = submit(session.url, card_number="4242424242424241")

    assert response.status_code == 402
    assert "Your card number is invalid." in response.text
    assert stripe_client.checkout.sessions.retrieve(session.id).payment_intent is None


def test_a_guest_without_an_email_is_asked_for_one(make_session):
    session = make_session()

    page = requests.get(session.url, timeout=10).text
    missing = submit(session.url)
    paid = submit(session.url, email="guest@example.com")

    assert 'type="email"' in page
    assert "Enter the email address" in missing.text
    assert paid.status_code == 303


def test_cancel_links_back_to_cancel_url(make_session):
    session = make_session(customer_email="guest@example.com")

    assert "http://testserver/cart/" in PageOutline(requests.get(session.url, timeout=10).text).links


def test_setup_future_usage_saves_the_card_and_the_next_checkout_offers_it(stripe_client, make_session, customer):
    first = make_session(customer=customer.id, payment_intent_data={"setup_future_usage": "off_session"})
    submit(first.url)

    [saved] = stripe_client.payment_methods.list(params={"customer": customer.id, "type": "card"}).data
    second = make_session(customer=customer.id)
    page = requests.get(second.url, timeout=10).text
    paid = submit(second.url, payment_method=saved.id, card_number="")

    assert saved.card.last4 == "4242"
    assert "ending in 4242" in page
    assert paid.status_code == 303
    intent = stripe_client.checkout.sessions.retrieve(second.id, params={"expand": ["payment_intent"]}).payment_intent
    assert intent.payment_method == saved.id


def test_without_setup_future_usage_the_card_is_not_saved(stripe_client, make_session, customer):
    session = make_session(customer=customer.id)

    submit(session.url)

    assert stripe_client.payment_methods.list(params={"customer": customer.id, "type": "card"}).data == []


def test_the_buyer_chooses_to_save_when_payment_method_save_is_enabled(stripe_client, make_session, customer):
    session = make_session(customer=customer.id, saved_payment_method_options={"payment_method_save": "enabled"})

    assert 'id="save_card"' in requests.get(session.url, timeout=10).text
    submit(session.url, save_card="1")

    assert len(stripe_client.payment_methods.list(params={"customer": customer.id, "type": "card"}).data) == 1


def test_someone_elses_saved_card_is_refused(stripe_client, make_session, customer):
    other = stripe_client.customers.create(params={"email": "other@example.com"})
    first = make_session(customer=other.id, payment_intent_data={"setup_future_usage": "off_session"})
    submit(first.url)
    [their_card] = stripe_client.payment_methods.list(params={"customer": other.id, "type": "card"}).data
    mine = make_session(customer=customer.id)

    response = submit(mine.url, payment_method=their_card.id)

    assert response.status_code == 400
    assert "No such saved card" in response.text
    assert stripe_client.checkout.sessions.retrieve(mine.id).status == "open"


def test_a_paid_or_expired_session_page_cannot_be_paid_again(stripe_client, stripe_sandbox, make_session):
    paid = make_session(customer_email="guest@example.com")
    submit(paid.url)
    expired = make_session()
    stripe_client.checkout.sessions.expire(expired.id)

    assert "Payment complete" in requests.get(paid.url, timeout=10).text
    assert "has expired" in requests.get(expired.url, timeout=10).text
    again = submit(paid.url)
    assert again.status_code == 200 and "Payment complete" in again.text
    assert len(stripe_sandbox.events("checkout.session.completed")) == 1


def test_an_unknown_session_page_is_404(stripe_sandbox):
    response = requests.get(f"{stripe_sandbox.api_base}/pay/cs_test_unknown", timeout=10)

    assert response.status_code == 404
    assert PageOutline(response.text).h1_count == 1


def test_pay_shortcut_pays_like_the_page_and_reports_declines(stripe_sandbox, make_session):
    session = make_session()

    with pytest.raises(stripe_sandbox.CardDeclined) as raised:
        stripe_sandbox.pay_checkout_session(session.id, card_number=INSUFFICIENT_FUNDS)
    paid = stripe_sandbox.pay_checkout_session(session.id)

    assert raised.value.message == "Your card has insufficient funds."
    assert raised.value.decline_code == "insufficient_funds"
    assert (paid["status"], paid["payment_status"]) == ("complete", "paid")


def test_pay_shortcut_over_plain_http(stripe_sandbox, make_session):
    session = make_session()

    response = requests.post(
        f"{stripe_sandbox.api_base}/_sandbox/checkout/{session.id}/pay", json={"card_number": DECLINED}, timeout=10
    )

    assert response.status_code == 402
    assert response.json()["error"]["message"] == "Your card was declined."


def test_a_saved_card_that_is_declined_can_be_replaced_by_a_new_card(stripe_client, make_session, customer):
    failing = stripe_client.payment_methods.create(
        params={"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    stripe_client.payment_methods.attach(failing.id, params={"customer": customer.id})
    session = make_session(customer=customer.id)

    declined = submit(session.url, payment_method=failing.id)
    paid = submit(session.url, payment_method="new", card_number=SUCCESS)

    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert paid.status_code == 303
    completed = stripe_client.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert completed.status == "complete"
    assert completed.payment_intent.status == "succeeded"


def test_the_page_sends_a_policy_that_allows_its_own_style_the_shops_images_and_the_way_back_to_the_site(
    stripe_sandbox, make_session
):
    session = make_session(success_url="http://127.0.0.1:8123/done/", cancel_url="http://127.0.0.1:8123/cart/")

    response = requests.get(session.url, timeout=10)

    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["style-src"].startswith("'sha256-")
    assert policy["form-action"] == "'self' http://127.0.0.1:8123"
    assert policy["img-src"] == "'self' data: http://127.0.0.1:8123"  # the line items' images are the shop's
    assert "script-src" not in policy
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
