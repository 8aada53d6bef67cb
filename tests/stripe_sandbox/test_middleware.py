"""The sandbox's controls and payment page refuse what another web page could send: forms and foreign origins."""

import pytest
import requests

WEBHOOK_ENDPOINTS = "/_sandbox/webhook_endpoints"


@pytest.fixture
def endpoint_set(stripe_sandbox):
    stripe_sandbox.set_webhook_endpoint("http://127.0.0.1:9/billing/webhook/")
    yield stripe_sandbox
    stripe_sandbox.clear_webhook_endpoints()


def endpoints(stripe_sandbox):
    return requests.get(stripe_sandbox.api_base + WEBHOOK_ENDPOINTS, timeout=10).json()


def test_a_cross_site_form_cannot_repoint_the_webhook_endpoint(endpoint_set):
    before = endpoints(endpoint_set)

    response = requests.post(
        endpoint_set.api_base + WEBHOOK_ENDPOINTS,
        data={"url": "https://attacker.example/hook"},
        headers={"Origin": "https://attacker.example"},
        timeout=10,
    )

    assert response.status_code == 403
    assert endpoints(endpoint_set) == before


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
)
@pytest.mark.parametrize("path", [WEBHOOK_ENDPOINTS, "/_sandbox/reset", "/_sandbox/faults", "/_sandbox/tick"])
def test_every_control_refuses_the_bodies_a_form_can_send_even_without_an_origin(endpoint_set, path, content_type):
    before = endpoints(endpoint_set)

    response = requests.post(
        endpoint_set.api_base + path,
        data=b"url=https://attacker.example/hook&delay=30",
        headers={"Content-Type": content_type},
        timeout=10,
    )

    assert response.status_code == 415
    assert "JSON" in response.json()["error"]["message"]
    assert endpoints(endpoint_set) == before


def test_a_control_refuses_json_from_a_foreign_origin(endpoint_set):
    before = endpoints(endpoint_set)

    response = requests.delete(
        endpoint_set.api_base + WEBHOOK_ENDPOINTS, json={}, headers={"Origin": "null"}, timeout=10
    )

    assert response.status_code == 403
    assert endpoints(endpoint_set) == before


def test_a_control_takes_json_from_its_own_origin_or_from_a_script(endpoint_set):
    own_origin = endpoint_set.api_base

    response = requests.post(
        own_origin + WEBHOOK_ENDPOINTS,
        json={"url": "http://127.0.0.1:9/other/"},
        headers={"Origin": own_origin},
        timeout=10,
    )

    assert response.status_code == 200
    assert [endpoint["url"] for endpoint in endpoints(endpoint_set)] == ["http://127.0.0.1:9/other/"]


def test_a_cross_site_form_cannot_pay_a_session(stripe_sandbox, make_session):
    session = make_session()

    response = requests.post(
        session.url,
        data={"card_number": "4242424242424242", "card_expiry": "12 / 34", "card_cvc": "123"},
        headers={"Origin": "https://attacker.example"},
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 403
    paid = stripe_sandbox.pay_checkout_session(session.id)
    assert paid["payment_status"] == "paid"


@pytest.mark.parametrize("events", ["checkout.session.completed", [1, 2], {"a": "b"}])
def test_a_webhook_endpoint_with_malformed_events_is_refused_and_changes_nothing(endpoint_set, events):
    before = endpoints(endpoint_set)

    response = requests.post(
        endpoint_set.api_base + WEBHOOK_ENDPOINTS, json={"url": "http://127.0.0.1:9/x/", "events": events}, timeout=10
    )

    assert response.status_code == 400
    assert endpoints(endpoint_set) == before


@pytest.mark.parametrize("body", [[], "text", 3])
def test_a_control_refuses_json_that_is_not_an_object(endpoint_set, body):
    response = requests.post(endpoint_set.api_base + "/_sandbox/faults", json=body, timeout=10)

    assert response.status_code == 400


@pytest.mark.parametrize("delay", ["abc", "Infinity", "NaN", "-1", 1e300, 61, None, [], {"a": 1}, "1e400"])
def test_a_fault_delay_that_is_not_a_sane_number_of_seconds_is_refused_and_changes_nothing(stripe_sandbox, delay):
    response = requests.post(stripe_sandbox.api_base + "/_sandbox/faults", json={"delay": delay}, timeout=10)

    assert response.status_code == 400
    assert "delay" in response.json()["error"]["message"]
    assert requests.post(stripe_sandbox.api_base + "/_sandbox/faults", json={}, timeout=10).json() == {"delay": 0}


@pytest.mark.parametrize("now", ["abc", [], {"a": 1}, "1.5"])
def test_a_tick_with_a_time_that_is_not_an_integer_is_refused(stripe_sandbox, now):
    response = requests.post(stripe_sandbox.api_base + "/_sandbox/tick", json={"now": now}, timeout=10)

    assert response.status_code == 400
