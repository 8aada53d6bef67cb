"""Events and webhooks: what the sandbox emits, signed as Stripe signs, delivered by tests or over HTTP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from . import urls as webhook_urls


@pytest.fixture
def webhook_view(settings):
    settings.ROOT_URLCONF = "tests.stripe_sandbox.urls"
    webhook_urls.received.clear()
    return webhook_urls.received


@pytest.fixture
def paid_session(stripe_sandbox, make_session, customer):
    session = make_session(customer=customer.id, payment_intent_data={"metadata": {"order": "42"}})
    return stripe_sandbox.pay_checkout_session(session.id)


def test_a_paid_session_emits_payment_intent_charge_and_checkout_events_in_order(stripe_sandbox, paid_session):
    types = [event.type for event in stripe_sandbox.events()]

    assert types == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = stripe_sandbox.events("checkout.session.completed")[0].data_object
    assert completed["id"] == paid_session["id"]
    assert completed["payment_status"] == "paid"
    assert completed["payment_intent"] == paid_session["payment_intent"]
    assert completed["metadata"] == {"order": "42"}


def test_event_signatures_verify_with_stripes_own_code(stripe_sandbox, paid_session):
    for event in stripe_sandbox.events():
        verified = stripe.Webhook.construct_event(event.body, event.signature, "whsec_test_sandbox")
        assert verified.id == event.id
        assert verified.type == event.type


def test_a_signature_made_with_another_secret_or_over_another_body_fails(stripe_sandbox, paid_session):
    event = stripe_sandbox.events("checkout.session.completed")[0]

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(event.body, event.signature, "whsec_someone_else")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(event.body.replace(b"paid", b"unpaid"), event.signature, "whsec_test_sandbox")


def test_a_declined_payment_emits_payment_intent_payment_failed(stripe_sandbox, make_session):
    session = make_session()

    with pytest.raises(stripe_sandbox.CardDeclined):
        stripe_sandbox.pay_checkout_session(session.id, card_number="4000000000000002")

    [failed] = stripe_sandbox.events("payment_intent.payment_failed")
    assert failed.data_object["last_payment_error"]["message"] == "Your card was declined."
    assert failed.data_object["status"] == "requires_payment_method"


def test_a_refund_emits_charge_refunded_with_the_refunded_amount(stripe_client, stripe_sandbox, paid_session):
    stripe_client.refunds.create(params={"payment_intent": paid_session["payment_intent"], "amount": 1000})

    [refunded] = stripe_sandbox.events("charge.refunded")
    charge = refunded.data_object
    assert charge["payment_intent"] == paid_session["payment_intent"]
    assert charge["amount_refunded"] == 1000
    assert charge["refunded"] is False
    assert refunded.payload["data"]["previous_attributes"] == {"amount_refunded": 0, "refunded": False}


def test_events_can_be_retrieved_and_listed_through_the_api(stripe_client, stripe_sandbox, paid_session):
    event = stripe_sandbox.events("checkout.session.completed")[0]

    retrieved = stripe_client.events.retrieve(event.id)
    listed = stripe_client.events.list(params={"type": "checkout.session.completed"})

    assert retrieved.type == "checkout.session.completed"
    assert retrieved.data.object.id == paid_session["id"]
    assert [e.id for e in listed.data] == [event.id]


def test_deliver_events_posts_each_new_event_once_through_the_django_client(
    client, stripe_sandbox, paid_session, webhook_view
):
    first = stripe_sandbox.deliver_events(client)
    second = stripe_sandbox.deliver_events(client)

    assert [response.status_code for response in first] == [200, 200, 200, 200]
    assert second == []
    assert [event["type"] for event in webhook_view][-1] == "checkout.session.completed"


def test_deliver_events_can_pick_types(client, stripe_sandbox, paid_session, webhook_view):
    stripe_sandbox.deliver_events(client, types=["checkout.session.completed"])

    assert [event["type"] for event in webhook_view] == ["checkout.session.completed"]


def test_resend_delivers_the_same_event_again(client, stripe_sandbox, paid_session, webhook_view):
    event = stripe_sandbox.events("checkout.session.completed")[0]

    stripe_sandbox.resend(event.id, client=client)
    stripe_sandbox.resend(event.id, client=client)

    assert [received["id"] for received in webhook_view] == [event.id, event.id]


class RecordingHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_configured_endpoint_receives_signed_events_over_http(stripe_sandbox, make_session, http_endpoint):
    stripe_sandbox.set_webhook_endpoint(f"http://127.0.0.1:{http_endpoint.server_port}/billing/webhook/")
    session = make_session()
    stripe_sandbox.pay_checkout_session(session.id)

    assert wait_for(lambda: len(http_endpoint.received) == 4)
    types = set()
    for body, signature in http_endpoint.received:
        types.add(stripe.Webhook.construct_event(body, signature, "whsec_test_sandbox").type)
    assert "checkout.session.completed" in types


def test_resend_without_a_client_goes_to_the_configured_endpoint(stripe_sandbox, make_session, http_endpoint):
    session = make_session()
    stripe_sandbox.expire_session(session.id)
    event = stripe_sandbox.events("checkout.session.expired")[0]
    stripe_sandbox.set_webhook_endpoint(f"http://127.0.0.1:{http_endpoint.server_port}/hook/")

    stripe_sandbox.resend(event.id)

    assert wait_for(lambda: len(http_endpoint.received) == 1)
    assert json.loads(http_endpoint.received[0][0])["id"] == event.id


def test_nothing_is_sent_over_http_unless_an_endpoint_is_set(stripe_sandbox, make_session):
    session = make_session()
    stripe_sandbox.pay_checkout_session(session.id)

    assert all(json.loads(e.body)["pending_webhooks"] == 0 for e in stripe_sandbox.events())
