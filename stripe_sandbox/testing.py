"""What a test holds when it asks for the `stripe_sandbox` fixture (see the root conftest.py)."""

import contextlib
import json
from dataclasses import dataclass

import requests

from .signing import stripe_signature_header

DEFAULT_CARD = "4242424242424242"
WEBHOOK_PATH = "/billing/webhook/"


class CardDeclined(Exception):
    """The sandbox declined the card, with Stripe's message, code and decline code."""

    def __init__(self, message: str, code: str | None = None, decline_code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.decline_code = decline_code


class SandboxRequestError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class SandboxEvent:
    """One event as Stripe would deliver it: the exact body and a fresh Stripe-Signature for it."""

    id: str
    type: str
    body: bytes
    signature: str

    @property
    def raw_body(self) -> bytes:
        return self.body

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def data_object(self) -> dict:
        return self.payload["data"]["object"]


class StripeSandbox:
    CardDeclined = CardDeclined

    def __init__(self, server, *, webhook_secret: str, secret_key: str = "sk_test_sandbox"):  # noqa: S107
        self.server = server
        self.webhook_secret = webhook_secret
        self.secret_key = secret_key
        self.http = requests.Session()
        self.delivered: set[str] = set()

    @property
    def api_base(self) -> str:
        return self.server.url

    # --- plumbing -------------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: dict | None = None, **kwargs) -> dict | list:
        if method not in ("GET", "HEAD"):
            # The sandbox's controls take JSON only (see middleware.control_guard_middleware).
            kwargs["json"] = body or {}
        response = self.http.request(method, self.api_base + path, timeout=30, **kwargs)
        body = response.json()
        if response.status_code == 402:
            error = body["error"]
            raise CardDeclined(error["message"], error.get("code"), error.get("decline_code"))
        if response.status_code >= 400:
            raise SandboxRequestError(response.status_code, body)
        return body

    def reset(self):
        """Forget every object, event, idempotency key, endpoint and fault."""
        self._control("POST", "/_sandbox/reset")
        self.delivered.clear()

    # --- payments -------------------------------------------------------------------------------
    def pay_checkout_session(
        self,
        session_id: str,
        card_number: str = DEFAULT_CARD,
        *,
        payment_method: str = "",
        save_card: bool = False,
        email: str = "",
        shipping_rate: str = "",
        shipping_address: dict | None = None,
    ) -> dict:
        """Pay as a buyer on the hosted page would; returns the completed session or raises CardDeclined.

        A session that collects an address gets `shipping_address` (or a test address in its first allowed
        country) and `shipping_rate` (a `shr_...` id of its options; the first by default)."""
        body = {"card_number": card_number, "payment_method": payment_method, "email": email, "save_card": save_card}
        if shipping_rate:
            body["shipping_rate"] = shipping_rate
        if shipping_address:
            body["shipping_address"] = shipping_address
        return self._control("POST", f"/_sandbox/checkout/{session_id}/pay", body)

    def expire_session(self, session_id: str) -> dict:
        """Expire an open Checkout Session now, as `POST /v1/checkout/sessions/<id>/expire` does."""
        response = self.http.post(
            f"{self.api_base}/v1/checkout/sessions/{session_id}/expire",
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=30,
        )
        if response.status_code >= 400:
            raise SandboxRequestError(response.status_code, response.json())
        return response.json()

    def expire_due_sessions(self, now: int | None = None) -> list[str]:
        """Expire every open session whose expires_at has passed (at `now`, default: this process's clock)."""
        import time

        at = int(time.time()) if now is None else int(now)
        return self._control("POST", "/_sandbox/tick", {"now": at})["expired"]

    # --- events and webhooks --------------------------------------------------------------------
    def events(self, type: str | None = None) -> list[SandboxEvent]:
        """Every event since the last reset, oldest first, each signed now with the webhook secret."""
        params = {"type": type} if type else None
        return [
            SandboxEvent(
                id=event["id"],
                type=event["type"],
                body=event["body"].encode(),
                signature=stripe_signature_header(event["body"].encode(), self.webhook_secret),
            )
            for event in self._control("GET", "/_sandbox/events", params=params)
        ]

    def event(self, event_id: str) -> SandboxEvent:
        for event in self.events():
            if event.id == event_id:
                return event
        raise KeyError(event_id)

    def deliver_events(self, client, url: str = WEBHOOK_PATH, types=None) -> list:
        """POST every event not delivered yet (optionally only these types) through a Django test client."""
        wanted = {types} if isinstance(types, str) else set(types or ())
        responses = []
        for event in self.events():
            if event.id in self.delivered or (wanted and event.type not in wanted):
                continue
            responses.append(self._post(client, url, event))
            self.delivered.add(event.id)
        return responses

    def resend(self, event_id: str, client=None, url: str = WEBHOOK_PATH):
        """Deliver an event again: through `client` (returns its response) or to the configured endpoints."""
        if client is not None:
            return self._post(client, url, self.event(event_id))
        return self._control("POST", f"/_sandbox/events/{event_id}/resend")

    def _post(self, client, url: str, event: SandboxEvent):
        return client.post(url, data=event.body, content_type="application/json", HTTP_STRIPE_SIGNATURE=event.signature)

    def set_webhook_endpoint(self, url: str, events=None):
        """Send every later event to `url` over real HTTP, in the background, signed with the webhook secret."""
        body = {"url": url, "secret": self.webhook_secret}
        if events:
            body["events"] = list(events)
        return self._control("POST", "/_sandbox/webhook_endpoints", body)

    def clear_webhook_endpoints(self):
        return self._control("DELETE", "/_sandbox/webhook_endpoints")

    # --- faults ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def unreachable(self):
        """Inside the block every connection to the sandbox is refused or dropped."""
        self.server.stop_listening()
        try:
            yield self
        finally:
            self.server.resume_listening()

    @contextlib.contextmanager
    def slow(self, seconds: float):
        """Inside the block every API answer (and the hosted page) comes `seconds` late."""
        self._control("POST", "/_sandbox/faults", {"delay": seconds})
        try:
            yield self
        finally:
            self._control("POST", "/_sandbox/faults", {"delay": 0})
