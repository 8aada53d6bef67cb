"""All of the sandbox's own state, in memory (on disk only with --state-dir), and its calls to localstripe."""

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from .api import StripeError, now
from .params import encode_params

DEFAULT_WEBHOOK_SECRET = "whsec_test_sandbox"  # noqa: S105 - a well-known test value, never a real secret
IDEMPOTENCY_KEY_LIFETIME = 24 * 60 * 60


@dataclass
class Event:
    id: str
    type: str
    created: int
    body: bytes
    deliveries: list = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "created": self.created,
            "body": self.body.decode(),
            "deliveries": self.deliveries,
        }


@dataclass
class WebhookEndpoint:
    url: str
    secret: str
    events: list | None = None


class Sandbox:
    """All of the sandbox's own state, and the calls it makes to localstripe."""

    def __init__(
        self,
        *,
        localstripe_url: str,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_urls=(),
        expire_in_background: bool = False,
        state_file: str = "",
    ):
        self.state_file = state_file
        self.localstripe_url = localstripe_url.rstrip("/")
        self.webhook_secret = webhook_secret
        self.public_url = ""
        self.expire_in_background = expire_in_background
        self.initial_endpoints = [WebhookEndpoint(url, webhook_secret) for url in webhook_urls]
        self.http: aiohttp.ClientSession | None = None
        self.refund_lock = asyncio.Lock()
        self.delivery_tasks: set[asyncio.Task] = set()
        self.clear()
        self.load_state()

    def clear(self):
        self.sessions: dict[str, dict] = {}
        self.session_line_items: dict[str, list[dict]] = {}
        self.events: list[Event] = []
        self.payment_intent_extras: dict[str, dict] = {}
        self.shipping_rates: dict[str, dict] = {}  # made from a session's shipping_options[][shipping_rate_data]
        self.card_fingerprints: dict[str, str] = {}  # payment method id → fingerprint of the number it was made with
        self.idempotent_results: dict[tuple, tuple] = {}
        self.idempotent_in_flight: set[tuple] = set()
        self.endpoints: list[WebhookEndpoint] = list(self.initial_endpoints)
        self.delay = 0.0
        self.refusing = False

    async def reset(self):
        for task in list(self.delivery_tasks):
            task.cancel()
        self.clear()
        await self.http.delete(self.localstripe_url + "/_config/data")

    def forget_old_idempotency_keys(self):
        # Stripe prunes keys after 24 hours; a sandbox left running for days should too.
        cutoff = now() - IDEMPOTENCY_KEY_LIFETIME
        for scope in [scope for scope, stored in self.idempotent_results.items() if stored[3] < cutoff]:
            del self.idempotent_results[scope]

    # --- state on disk, only when asked (--state-dir) -------------------------------------------
    def save_state(self):
        if not self.state_file:
            return
        state = {
            "sessions": self.sessions,
            "session_line_items": self.session_line_items,
            "payment_intent_extras": self.payment_intent_extras,
            "shipping_rates": self.shipping_rates,
            "card_fingerprints": self.card_fingerprints,
            "events": [
                {"id": e.id, "type": e.type, "created": e.created, "body": e.body.decode()} for e in self.events
            ],
        }
        temporary = Path(self.state_file + ".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)

    def load_state(self):
        if not self.state_file or not Path(self.state_file).exists():
            return
        state = json.loads(Path(self.state_file).read_text())
        self.sessions = state["sessions"]
        self.session_line_items = state["session_line_items"]
        self.payment_intent_extras = state["payment_intent_extras"]
        self.shipping_rates = state.get("shipping_rates", {})
        self.card_fingerprints = state.get("card_fingerprints", {})
        self.events = [Event(e["id"], e["type"], e["created"], e["body"].encode()) for e in state["events"]]

    # --- localstripe ----------------------------------------------------------------------------
    async def call(self, method: str, path: str, params: dict | None = None, *, authorization: str = "") -> tuple:
        headers = {"Authorization": authorization or "Bearer sk_test_sandbox"}
        url = self.localstripe_url + path
        encoded = encode_params(params or {})
        if method == "GET":
            request = self.http.request(method, url, params=encoded, headers=headers)
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = self.http.request(method, url, data=encoded, headers=headers)
        async with request as response:
            body = await response.read()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {"error": {"type": "api_error", "message": body.decode(errors="replace")}}
        return response.status, data

    async def fetch(self, path: str, params: dict | None = None) -> dict:
        status, data = await self.call("GET", path, params)
        if status != 200:
            raise StripeError(status, data.get("error", {}).get("message", "Not Found"))
        return data


SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]
