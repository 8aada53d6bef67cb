"""Our Stripe stand-in: Checkout, the hosted page, events and webhooks here; everything else via localstripe.

Every `/v1/...` request this module does not answer itself goes to localstripe unchanged, and its answer
comes back with Stripe's shape restored (`latest_charge` an id unless expanded, PaymentIntent fields
localstripe refuses kept beside it). POSTs honour `Idempotency-Key` as Stripe does.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from .cards import GENERIC_DECLINE, CardDecline, card_problem, normalise_card_number
from .page import render_closed_page, render_not_found_page, render_payment_page
from .params import ParamsError, decode_params, encode_params
from .signing import stripe_signature_header

logger = logging.getLogger("stripe_sandbox")

API_VERSION = "2026-10-28.endive"  # the version stripe-python 16.1 pins
DEFAULT_WEBHOOK_SECRET = "whsec_test_sandbox"  # noqa: S105 - a well-known test value, never a real secret
# PaymentIntent parameters Stripe accepts and localstripe refuses: kept here and shown on the object.
PAYMENT_INTENT_EXTRA_FIELDS = (
    "description",
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "automatic_payment_methods",
    "error_on_requires_action",
    "return_url",
    "shipping",
)
CHECKOUT_CREATE_PARAMS = {
    "mode", "line_items", "customer", "customer_email", "client_reference_id", "metadata", "payment_intent_data",
    "saved_payment_method_options", "expires_at", "success_url", "cancel_url", "payment_method_types", "locale",
    "submit_type", "billing_address_collection", "customer_creation", "allow_promotion_codes", "currency",
    "phone_number_collection", "custom_text", "ui_mode", "invoice_creation", "consent_collection",
    "payment_method_options", "shipping_address_collection", "tax_id_collection", "automatic_tax",
    "after_expiration", "customer_update", "discounts", "expand",
}  # fmt: skip
CHECKOUT_LIST_PARAMS = {
    "status", "created", "customer", "customer_details", "payment_intent", "limit", "starting_after", "ending_before",
    "expand",
}  # fmt: skip
MIN_EXPIRY_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 24 * 60 * 60
WEBHOOK_RETRY_DELAYS = (0, 1, 4, 15)
IDEMPOTENCY_KEY_LIFETIME = 24 * 60 * 60


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error", **details):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "message": message, **{k: v for k, v in details.items() if v is not None}}}

    def response(self) -> web.Response:
        return json_response(self.body, status=self.status)


class CardDeclinedError(StripeError):
    def __init__(self, decline: CardDecline, *, payment_intent: dict | None = None):
        super().__init__(
            402,
            decline.message,
            type="card_error",
            code=decline.code,
            decline_code=decline.decline_code,
            payment_intent=payment_intent,
        )
        self.decline = decline


def json_response(data, status: int = 200, headers: dict | None = None) -> web.Response:
    response = web.Response(
        body=json.dumps(data, indent=2).encode() + b"\n", status=status, content_type="application/json"
    )
    response.headers["Request-Id"] = "req_" + secrets.token_hex(7)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def now() -> int:
    return int(time.time())


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def as_int(value, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", param=param) from None


def expand_paths(params: dict) -> set[str]:
    expand = params.get("expand") or []
    if isinstance(expand, str):
        expand = [expand]
    return {path for path in expand if isinstance(path, str)}


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

    # --- Stripe's shape -------------------------------------------------------------------------
    def present(self, obj, expand: set[str], path: str = ""):
        """Restore Stripe's shape to what localstripe answered."""
        if isinstance(obj, list):
            return [self.present(item, expand, path) for item in obj]
        if not isinstance(obj, dict):
            return obj
        kind = obj.get("object")
        if kind == "list":
            obj = {**obj, "data": self.present(obj.get("data", []), expand, path + "data.")}
            obj.pop("total_count", None)
            return obj
        result = {}
        for key, value in obj.items():
            result[key] = self.present(value, expand, f"{path}{key}.") if isinstance(value, dict | list) else value
        if kind == "payment_intent":
            result.pop("charges", None)
            latest = result.get("latest_charge")
            if isinstance(latest, dict) and not any(p.startswith(path + "latest_charge") for p in expand):
                result["latest_charge"] = latest["id"]
            extras = self.payment_intent_extras.get(result.get("id"), {})
            for name in PAYMENT_INTENT_EXTRA_FIELDS:
                result[name] = extras.get(name, result.get(name))
            if "last_payment_error" in extras:
                result["last_payment_error"] = extras["last_payment_error"]
        elif kind == "charge":
            extras = self.payment_intent_extras.get(result.get("payment_intent"), {})
            for name in ("description", "receipt_email"):
                if result.get(name) is None and extras.get(name) is not None:
                    result[name] = extras[name]
        return result

    async def payment_intent(self, payment_intent_id: str, expand: set[str] = frozenset()) -> dict:
        inner = sorted(path.removeprefix("payment_intent.") for path in expand if path.startswith("payment_intent."))
        data = await self.fetch(f"/v1/payment_intents/{payment_intent_id}", {"expand": inner} if inner else None)
        return self.present(data, set(inner))

    # --- events and webhooks --------------------------------------------------------------------
    def emit(self, event_type: str, obj: dict, *, previous_attributes: dict | None = None, request: dict | None = None):
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": len(self.endpoints),
            "request": request or {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if previous_attributes is not None:
            event["data"]["previous_attributes"] = previous_attributes
        stored = Event(event["id"], event_type, event["created"], json.dumps(event, indent=2).encode())
        self.events.append(stored)
        self.deliver(stored)
        return stored

    def deliver(self, event: Event):
        for endpoint in self.endpoints:
            if endpoint.events and event.type not in endpoint.events and "*" not in endpoint.events:
                continue
            task = asyncio.get_running_loop().create_task(self.send_webhook(event, endpoint))
            self.delivery_tasks.add(task)
            task.add_done_callback(self.delivery_tasks.discard)

    async def send_webhook(self, event: Event, endpoint: WebhookEndpoint):
        for delay in WEBHOOK_RETRY_DELAYS:
            await asyncio.sleep(delay)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": stripe_signature_header(event.body, endpoint.secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            }
            try:
                async with self.http.post(endpoint.url, data=event.body, headers=headers) as response:
                    status = response.status
            except (aiohttp.ClientError, OSError) as error:
                event.deliveries.append({"url": endpoint.url, "error": str(error) or type(error).__name__})
                logger.info("webhook %s %s to %s failed: %s", event.type, event.id, endpoint.url, error)
                continue
            event.deliveries.append({"url": endpoint.url, "status": status})
            logger.info("webhook %s %s to %s: HTTP %s", event.type, event.id, endpoint.url, status)
            if 200 <= status < 300:
                return

    def find_event(self, event_id: str) -> Event:
        for event in self.events:
            if event.id == event_id:
                return event
        raise StripeError(404, f"No such event: '{event_id}'", code="resource_missing", param="id")

    # --- Checkout Sessions ----------------------------------------------------------------------
    def session(self, session_id: str) -> dict:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeError(404, f"No such checkout.session: '{session_id}'", code="resource_missing", param="id")
        self.expire_if_due(session)
        return session

    def expire_if_due(self, session: dict, at: int | None = None) -> bool:
        if session["status"] == "open" and session["expires_at"] <= (now() if at is None else at):
            self.expire(session)
            return True
        return False

    def expire(self, session: dict):
        session.update(status="expired", url=None)
        self.emit("checkout.session.expired", self.session_view(session))

    def expire_due(self, at: int | None = None) -> list[str]:
        return [s["id"] for s in list(self.sessions.values()) if self.expire_if_due(s, at)]

    def session_view(self, session: dict) -> dict:
        return {key: value for key, value in session.items() if not key.startswith("_")}

    async def present_session(self, session: dict, expand: set[str]) -> dict:
        view = self.session_view(session)
        wants_payment_intent = "payment_intent" in expand or any(p.startswith("payment_intent.") for p in expand)
        if wants_payment_intent and view["payment_intent"]:
            view["payment_intent"] = await self.payment_intent(view["payment_intent"], expand)
        if "customer" in expand and view["customer"]:
            view["customer"] = await self.fetch(f"/v1/customers/{view['customer']}")
        if "line_items" in expand:
            view["line_items"] = self.line_items_list(session["id"], {})
        return view

    def line_items_list(self, session_id: str, params: dict) -> dict:
        items = self.session_line_items[session_id]
        return paginate(items, params, f"/v1/checkout/sessions/{session_id}/line_items")

    async def create_session(self, params: dict) -> dict:
        unknown = sorted(set(params) - CHECKOUT_CREATE_PARAMS)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        mode = params.get("mode")
        if not mode:
            raise StripeError(400, "Missing required param: mode.", param="mode", code="parameter_missing")
        if mode != "payment":
            raise StripeError(400, f"The sandbox supports mode=payment only, not {mode!r}.", param="mode")
        if params.get("customer") and params.get("customer_email"):
            raise StripeError(400, "You may only specify one of these parameters: customer, customer_email.")
        if params.get("customer"):
            status, _ = await self.call("GET", f"/v1/customers/{params['customer']}")
            if status != 200:
                raise StripeError(
                    400, f"No such customer: '{params['customer']}'", param="customer", code="resource_missing"
                )
        raw_items = params.get("line_items")
        if not raw_items or not isinstance(raw_items, list):
            raise StripeError(400, "Missing required param: line_items.", param="line_items", code="parameter_missing")
        session_id = "cs_test_" + secrets.token_urlsafe(36).replace("-", "").replace("_", "")[:40]
        items = [parse_line_item(raw, index) for index, raw in enumerate(raw_items)]
        currencies = {item["currency"] for item in items}
        if len(currencies) > 1:
            raise StripeError(400, "All line items must use the same currency.", param="line_items")
        currency = currencies.pop()
        total = sum(item["amount_total"] for item in items)
        if total <= 0:
            raise StripeError(400, "The Checkout Session's total amount due must be greater than 0.")
        created = now()
        expires_at = as_int(params.get("expires_at", created + MAX_EXPIRY_SECONDS), "expires_at")
        if expires_at - created > MAX_EXPIRY_SECONDS:
            raise StripeError(
                400,
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        if expires_at - created < MIN_EXPIRY_SECONDS:
            raise StripeError(
                400,
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                param="expires_at",
            )
        for name in ("success_url", "cancel_url"):
            url = params.get(name)
            if url is not None and not str(url).startswith(("http://", "https://")):
                raise StripeError(400, f"Not a valid URL: {url}", param=name, code="url_invalid")
        payment_intent_data = params.get("payment_intent_data") or {}
        if payment_intent_data.get("setup_future_usage") not in (None, "", "on_session", "off_session"):
            raise StripeError(400, "Invalid setup_future_usage.", param="payment_intent_data[setup_future_usage]")
        metadata = params.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise StripeError(400, "Invalid object", param="metadata")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": params.get("allow_promotion_codes"),
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id") or None,
            "created": created,
            "currency": currency,
            "customer": params.get("customer") or None,
            "customer_creation": None if params.get("customer") else params.get("customer_creation", "if_required"),
            "customer_details": None,
            "customer_email": params.get("customer_email") or None,
            "expires_at": expires_at,
            "invoice": None,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "_payment_intent_data": payment_intent_data,  # a create parameter, not a field of the object
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "saved_payment_method_options": params.get("saved_payment_method_options"),
            "status": "open",
            "submit_type": params.get("submit_type"),
            "success_url": params.get("success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.public_url}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self.session_line_items[session_id] = items
        return session

    async def saved_cards(self, session: dict) -> list[dict]:
        if not session["customer"]:
            return []
        status, data = await self.call("GET", "/v1/payment_methods", {"customer": session["customer"], "type": "card"})
        return data.get("data", []) if status == 200 else []

    async def ensure_payment_intent(self, session: dict) -> str:
        if session["payment_intent"]:
            status, current = await self.call("GET", f"/v1/payment_intents/{session['payment_intent']}")
            latest = current.get("latest_charge") if status == 200 else None
            if not (isinstance(latest, dict) and latest.get("status") == "failed"):
                return session["payment_intent"]
            # localstripe cannot confirm a PaymentIntent again after a failed charge (Stripe can): the
            # buyer's retry gets a fresh one, and the failed one is canceled as Stripe would leave it unused.
            await self.call("POST", f"/v1/payment_intents/{session['payment_intent']}/cancel")
            session["payment_intent"] = None
        data = session["_payment_intent_data"]
        params = {"amount": session["amount_total"], "currency": session["currency"], "metadata": data.get("metadata")}
        if session["customer"]:
            params["customer"] = session["customer"]
        status, created = await self.call("POST", "/v1/payment_intents", params)
        if status != 200:
            raise StripeError(status, created.get("error", {}).get("message", "Could not create the payment."))
        extras = {name: data.get(name) for name in PAYMENT_INTENT_EXTRA_FIELDS if data.get(name)}
        if session["customer_email"] and "receipt_email" not in extras:
            extras["receipt_email"] = session["customer_email"]
        self.payment_intent_extras[created["id"]] = extras
        session["payment_intent"] = created["id"]
        self.emit("payment_intent.created", self.present(created, set()))
        return created["id"]

    async def pay_session(
        self,
        session_id: str,
        *,
        card_number: str = "",
        payment_method: str = "",
        save_card: bool = False,
        email: str = "",
        card_expiry: str = "",
        card_cvc: str = "",
    ) -> dict:
        session = self.session(session_id)
        if session["status"] != "open":
            raise StripeError(400, f"This Checkout Session is {session['status']} and can no longer be paid.")
        if not session["customer"] and not session["customer_email"] and email and "@" not in email:
            raise StripeError(400, "Your email address is invalid.", param="email")
        new_card = not payment_method or payment_method == "new"
        if new_card:
            number = normalise_card_number(card_number)
            problem = card_problem(number)
            exp_month, exp_year = parse_expiry(card_expiry)
            if problem is None and (exp_year, exp_month) < time.gmtime()[:2]:
                problem = CardDecline("invalid_expiry_year", None, "Your card's expiration year is in the past.")
            if problem is None and card_cvc and not (card_cvc.isdigit() and len(card_cvc) in (3, 4)):
                problem = CardDecline("incomplete_cvc", None, "Your card's security code is incomplete.")
            if problem is not None and problem.code in {"incorrect_number", "incomplete_number"} | {
                "invalid_expiry_year",
                "incomplete_cvc",
            }:
                # Stripe's page refuses these before any payment is attempted.
                raise CardDeclinedError(problem)
            payment_intent_id = await self.ensure_payment_intent(session)
            if problem is not None:
                await self.record_decline(payment_intent_id, problem)
            status, method = await self.call(
                "POST",
                "/v1/payment_methods",
                {
                    "type": "card",
                    "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": "123"},
                },
            )
            if status != 200:
                raise StripeError(400, method.get("error", {}).get("message", "Invalid card."))
            payment_method = method["id"]
            save = session["customer"] and (
                session["_payment_intent_data"].get("setup_future_usage")
                or (
                    save_card
                    and (session["saved_payment_method_options"] or {}).get("payment_method_save") == "enabled"
                )
            )
            if save:
                status, _attached = await self.call(
                    "POST", f"/v1/payment_methods/{payment_method}/attach", {"customer": session["customer"]}
                )
                if status != 200:
                    await self.record_decline(payment_intent_id, GENERIC_DECLINE)
        else:
            cards = await self.saved_cards(session)
            if payment_method not in {card["id"] for card in cards}:
                raise StripeError(400, f"No such saved card: '{payment_method}'", param="payment_method")
            payment_intent_id = await self.ensure_payment_intent(session)

        status, updated = await self.call(
            "POST", f"/v1/payment_intents/{payment_intent_id}", {"payment_method": payment_method}
        )
        if status != 200:
            raise StripeError(status, updated.get("error", {}).get("message", "Could not update the payment."))
        status, confirmed = await self.call("POST", f"/v1/payment_intents/{payment_intent_id}/confirm")
        if status == 402:
            await self.record_decline(payment_intent_id, GENERIC_DECLINE, charge_id=confirmed["error"].get("charge"))
        if status != 200:
            raise StripeError(status, confirmed.get("error", {}).get("message", "Could not confirm the payment."))
        self.payment_intent_extras[payment_intent_id].pop("last_payment_error", None)
        payment_intent = self.present(confirmed, set())
        await self.emit_charge_succeeded(payment_intent)
        self.emit("payment_intent.succeeded", payment_intent)

        customer_email = session["customer_email"] or email or None
        if session["customer"]:
            customer = await self.fetch(f"/v1/customers/{session['customer']}")
            customer_email = customer.get("email") or customer_email
        session.update(
            status="complete",
            payment_status="paid",
            url=None,
            customer_details={"address": None, "email": customer_email, "name": None, "phone": None},
        )
        self.emit("checkout.session.completed", self.session_view(session))
        return session

    async def record_decline(self, payment_intent_id: str, decline: CardDecline, *, charge_id: str | None = None):
        error = {
            "code": decline.code,
            "decline_code": decline.decline_code,
            "message": decline.message,
            "type": "card_error",
            "charge": charge_id,
        }
        self.payment_intent_extras.setdefault(payment_intent_id, {})["last_payment_error"] = error
        payment_intent = await self.payment_intent(payment_intent_id)
        payment_intent["status"] = "requires_payment_method"
        self.emit("payment_intent.payment_failed", payment_intent)
        raise CardDeclinedError(decline, payment_intent=payment_intent)

    async def emit_charge_succeeded(self, payment_intent: dict):
        if payment_intent.get("latest_charge"):
            charge = await self.fetch(f"/v1/charges/{payment_intent['latest_charge']}")
            self.emit("charge.succeeded", self.present(charge, set()))


def parse_expiry(raw: str) -> tuple[int, int]:
    digits = "".join(character for character in raw or "" if character.isdigit())
    if len(digits) in (4, 6):
        month, year = int(digits[:2]), int(digits[2:])
        year = year + 2000 if year < 100 else year
        if 1 <= month <= 12:
            return month, year
    if raw:
        raise CardDeclinedError(CardDecline("invalid_expiry_month", None, "Your card's expiration date is invalid."))
    return 12, time.gmtime().tm_year + 5


def parse_line_item(raw, index: int) -> dict:
    param = f"line_items[{index}]"
    if not isinstance(raw, dict):
        raise StripeError(400, "Invalid line item.", param=param)
    if "price" in raw:
        raise StripeError(400, "The sandbox supports line items with price_data only.", param=f"{param}[price]")
    price_data = raw.get("price_data")
    if not isinstance(price_data, dict):
        raise StripeError(400, f"Missing required param: {param}[price_data].", param=f"{param}[price_data]")
    currency = str(price_data.get("currency") or "").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise StripeError(400, "Invalid currency.", param=f"{param}[price_data][currency]")
    unit_amount = as_int(price_data.get("unit_amount"), f"{param}[price_data][unit_amount]")
    quantity = as_int(raw.get("quantity"), f"{param}[quantity]")
    if unit_amount < 0:
        raise StripeError(400, "unit_amount must be 0 or more.", param=f"{param}[price_data][unit_amount]")
    if quantity < 1:
        raise StripeError(400, "quantity must be at least 1.", param=f"{param}[quantity]")
    product_data = price_data.get("product_data") or {}
    name = product_data.get("name")
    if not name and not price_data.get("product"):
        raise StripeError(
            400, "Missing required param: product_data[name].", param=f"{param}[price_data][product_data]"
        )
    product = price_data.get("product") or new_id("prod_")
    amount = unit_amount * quantity
    return {
        "id": new_id("li_"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": currency,
        "description": name or product,
        "price": {
            "id": new_id("price_"),
            "object": "price",
            "active": False,
            "currency": currency,
            "livemode": False,
            "metadata": {},
            "product": product,
            "product_data": {"name": name, "description": product_data.get("description")},
            "type": "one_time",
            "unit_amount": unit_amount,
        },
        "quantity": quantity,
    }


def paginate(items: list[dict], params: dict, url: str) -> dict:
    limit = as_int(params.get("limit", 10), "limit")
    if not 1 <= limit <= 100:
        raise StripeError(400, "Limit must be between 1 and 100.", param="limit")
    ids = [item["id"] for item in items]
    start = 0
    if params.get("starting_after"):
        if params["starting_after"] not in ids:
            raise StripeError(400, f"No such object: '{params['starting_after']}'", param="starting_after")
        start = ids.index(params["starting_after"]) + 1
        page = items[start : start + limit]
        has_more = start + limit < len(items)
    elif params.get("ending_before"):
        if params["ending_before"] not in ids:
            raise StripeError(400, f"No such object: '{params['ending_before']}'", param="ending_before")
        end = ids.index(params["ending_before"])
        page = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        page = items[:limit]
        has_more = len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def created_filter(value, param: str = "created"):
    if value is None:
        return lambda created: True
    if not isinstance(value, dict):
        exact = as_int(value, param)
        return lambda created: created == exact
    bounds = {op: as_int(value[op], f"{param}[{op}]") for op in value}
    unknown = set(bounds) - {"gt", "gte", "lt", "lte"}
    if unknown:
        raise StripeError(400, f"Received unknown parameter: {param}[{sorted(unknown)[0]}]")
    checks = {
        "gt": lambda c, b: c > b,
        "gte": lambda c, b: c >= b,
        "lt": lambda c, b: c < b,
        "lte": lambda c, b: c <= b,
    }
    return lambda created: all(checks[op](created, bound) for op, bound in bounds.items())


# --- HTTP -----------------------------------------------------------------------------------------
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
API_KEY = web.RequestKey("api_key", str)
IDEMPOTENCY_KEY = web.RequestKey("idempotency_key", str)


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


async def request_params(request: web.Request) -> dict:
    try:
        if request.method in ("GET", "DELETE"):
            return decode_params(request.query.items())
        body = await request.read()
        if request.content_type == "application/json":
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError
            return data
        return decode_params(parse_qsl(body.decode(), keep_blank_values=True))
    except (ParamsError, ValueError, UnicodeDecodeError):
        raise StripeError(400, "The request body could not be decoded.") from None


@web.middleware
async def faults_middleware(request: web.Request, handler):
    sandbox = sandbox_of(request)
    if request.path.startswith("/_sandbox/"):
        return await handler(request)
    if sandbox.refusing:
        # A connection that was already open when the sandbox went "down": drop it like a dead host.
        if request.transport is not None:
            request.transport.abort()
        raise web.HTTPServiceUnavailable()
    if sandbox.delay:
        await asyncio.sleep(sandbox.delay)
    return await handler(request)


@web.middleware
async def state_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    finally:
        if request.method != "GET":
            sandbox_of(request).save_state()


@web.middleware
async def errors_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except StripeError as error:
        return error.response()


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if request.path.startswith("/v1/"):
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Basic":
            import base64

            credential = base64.b64decode(credential.encode()).decode(errors="replace").partition(":")[0]
        if not credential.startswith("sk_"):
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        request[API_KEY] = credential
    return await handler(request)


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not request.path.startswith("/v1/") or not key:
        return await handler(request)
    sandbox = sandbox_of(request)
    scope = (request.get(API_KEY), key)
    body = await request.read()
    fingerprint = (request.method, request.path, sorted(parse_qsl(body.decode(errors="replace"), True)))
    sandbox.forget_old_idempotency_keys()
    stored = sandbox.idempotent_results.get(scope)
    if stored is not None:
        first_fingerprint, status, payload, _saved_at = stored
        if first_fingerprint != fingerprint:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        response = web.Response(body=payload, status=status, content_type="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Idempotency-Key"] = key
        return response
    if scope in sandbox.idempotent_in_flight:
        raise StripeError(
            409,
            "There is currently another in-progress request using this Idempotent Key (that probably means you "
            "submitted twice, and the other request is still going through): " + key,
            type="idempotency_error",
        )
    sandbox.idempotent_in_flight.add(scope)
    request[IDEMPOTENCY_KEY] = key
    try:
        try:
            response = await handler(request)
        except StripeError as error:
            response = error.response()
        # Stripe saves the result once the request started executing: successes and card errors.
        if 200 <= response.status < 300 or response.status == 402:
            sandbox.idempotent_results[scope] = (fingerprint, response.status, response.body, now())
        response.headers["Idempotency-Key"] = key
        return response
    finally:
        sandbox.idempotent_in_flight.discard(scope)


def event_request(request: web.Request) -> dict:
    return {"id": "req_" + secrets.token_hex(7), "idempotency_key": request.get(IDEMPOTENCY_KEY)}


# Checkout Sessions ---------------------------------------------------------------------------------
async def create_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = await sandbox.create_session(params)
    return json_response(await sandbox.present_session(session, expand_paths(params)))


async def list_checkout_sessions(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    unknown = sorted(set(params) - CHECKOUT_LIST_PARAMS)
    if unknown:
        raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
    sandbox.expire_due()
    matches_created = created_filter(params.get("created"))
    email = (params.get("customer_details") or {}).get("email")
    sessions = [
        session
        for session in reversed(list(sandbox.sessions.values()))
        if matches_created(session["created"])
        and (not params.get("status") or session["status"] == params["status"])
        and (not params.get("customer") or session["customer"] == params["customer"])
        and (not params.get("payment_intent") or session["payment_intent"] == params["payment_intent"])
        and (not email or (session["customer_details"] or {}).get("email") == email)
    ]
    page = paginate(sessions, params, "/v1/checkout/sessions")
    expand = {path.removeprefix("data.") for path in expand_paths(params)}
    page["data"] = [await sandbox.present_session(session, expand) for session in page["data"]]
    return json_response(page)


async def retrieve_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = sandbox.session(request.match_info["id"])
    return json_response(await sandbox.present_session(session, expand_paths(params)))


async def update_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = sandbox.session(request.match_info["id"])
    unknown = sorted(set(params) - {"metadata", "expand"})
    if unknown:
        raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
    if isinstance(params.get("metadata"), dict):
        session["metadata"] = {
            **session["metadata"],
            **{key: value for key, value in params["metadata"].items() if value != ""},
        }
        for key, value in params["metadata"].items():
            if value == "":
                session["metadata"].pop(key, None)
    return json_response(await sandbox.present_session(session, expand_paths(params)))


async def expire_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = sandbox.session(request.match_info["id"])
    if session["status"] != "open":
        raise StripeError(
            400,
            'Only Checkout Sessions with a status in ["open"] can be expired. '
            f'This Checkout Session has a status of "{session["status"]}".',
        )
    sandbox.expire(session)
    return json_response(await sandbox.present_session(session, expand_paths(params)))


async def list_checkout_session_line_items(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = sandbox.session(request.match_info["id"])
    return json_response(sandbox.line_items_list(session["id"], params))


# Events -------------------------------------------------------------------------------------------------
async def list_events(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    types = params.get("types") or ([params["type"]] if params.get("type") else [])
    matches_created = created_filter(params.get("created"))
    events = [
        json.loads(event.body)
        for event in reversed(sandbox.events)
        if (not types or event.type in types) and matches_created(event.created)
    ]
    return json_response(paginate(events, params, "/v1/events"))


async def retrieve_event(request: web.Request) -> web.Response:
    event = sandbox_of(request).find_event(request.match_info["id"])
    return web.Response(body=event.body, content_type="application/json")


# The parts of localstripe we correct -----------------------------------------------------------------
async def create_refund(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    async with sandbox.refund_lock:
        charge_id = params.get("charge")
        if not charge_id and params.get("payment_intent"):
            payment_intent = await sandbox.fetch(f"/v1/payment_intents/{params['payment_intent']}")
            latest = payment_intent.get("latest_charge")
            charge_id = latest["id"] if isinstance(latest, dict) else latest
            if not charge_id:
                raise StripeError(
                    400,
                    f"This PaymentIntent ({params['payment_intent']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
        if not charge_id:
            raise StripeError(400, "One of the following params should be provided for this request: charge or "
                              "payment_intent.")  # fmt: skip
        status, charge = await sandbox.call("GET", f"/v1/charges/{charge_id}")
        if status != 200:
            raise StripeError(404, f"No such charge: '{charge_id}'", param="charge", code="resource_missing")
        remaining = charge["amount"] - charge.get("amount_refunded", 0)
        if remaining <= 0:
            raise StripeError(
                400, f"Charge {charge_id} has already been refunded.", code="charge_already_refunded", param="charge"
            )
        amount = as_int(params["amount"], "amount") if params.get("amount") not in (None, "") else remaining
        if amount <= 0:
            raise StripeError(400, "Invalid positive integer", param="amount")
        if amount > remaining:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining}).",
                param="amount",
                code="amount_too_large",
            )
        forwarded = {key: value for key, value in params.items() if key not in {"payment_intent", "reason", "expand"}}
        forwarded.update(charge=charge_id, amount=amount)
        status, refund = await sandbox.call(
            "POST", "/v1/refunds", forwarded, authorization=request.headers["Authorization"]
        )
        if status != 200:
            return json_response(refund, status=status)
        refund["reason"] = params.get("reason")
        refund["payment_intent"] = charge.get("payment_intent")
        updated_charge = sandbox.present(await sandbox.fetch(f"/v1/charges/{charge_id}"), set())
        sandbox.emit("refund.created", refund, request=event_request(request))
        sandbox.emit(
            "charge.refunded",
            updated_charge,
            previous_attributes={"amount_refunded": charge.get("amount_refunded", 0), "refunded": False},
            request=event_request(request),
        )
        return json_response(refund)


async def payment_intent_call(request: web.Request) -> web.Response:
    """Create, update, confirm, capture and cancel PaymentIntents, with Stripe's fields and events."""
    sandbox = sandbox_of(request)
    params = await request_params(request)
    expand = expand_paths(params)
    payment_intent_id = request.match_info.get("id")
    action = request.match_info.get("action", "")
    extras = {name: params.pop(name) for name in PAYMENT_INTENT_EXTRA_FIELDS if name in params}
    params.pop("expand", None)
    path = (
        "/v1/payment_intents"
        + (f"/{payment_intent_id}" if payment_intent_id else "")
        + (f"/{action}" if action else "")
    )
    if payment_intent_id and not action and not params:
        status, data = await sandbox.call("GET", path, authorization=request.headers["Authorization"])
    else:
        status, data = await sandbox.call("POST", path, params, authorization=request.headers["Authorization"])
    origin = event_request(request)
    if status == 402:
        charge_id = data.get("error", {}).get("charge")
        charge = await sandbox.fetch(f"/v1/charges/{charge_id}") if charge_id else {}
        failed_id = charge.get("payment_intent") or payment_intent_id
        if failed_id:
            sandbox.payment_intent_extras.setdefault(failed_id, {}).update(extras)
            payment_intent = await sandbox.payment_intent(failed_id)
            if not payment_intent_id:
                sandbox.emit("payment_intent.created", payment_intent, request=origin)
            if charge:
                sandbox.emit("charge.failed", sandbox.present(charge, set()), request=origin)
            sandbox.emit("payment_intent.payment_failed", payment_intent, request=origin)
            data["error"]["payment_intent"] = payment_intent
        data["error"]["type"] = "card_error"
        data["error"].setdefault("decline_code", "generic_decline")
        return json_response(data, status=status)
    if status != 200:
        return json_response(data, status=status)
    sandbox.payment_intent_extras.setdefault(data["id"], {}).update(extras)
    presented = sandbox.present(data, set())
    if not payment_intent_id:
        sandbox.emit("payment_intent.created", presented, request=origin)
    if action == "cancel":
        sandbox.emit("payment_intent.canceled", presented, request=origin)
    if presented["status"] == "succeeded" and (action in ("confirm", "capture") or not payment_intent_id):
        await sandbox.emit_charge_succeeded(presented)
        sandbox.emit("payment_intent.succeeded", presented, request=origin)
        if presented.get("setup_future_usage") and presented.get("customer") and presented.get("payment_method"):
            await sandbox.call(
                "POST", f"/v1/payment_methods/{presented['payment_method']}/attach", {"customer": presented["customer"]}
            )
    if presented["status"] == "requires_capture" and (action == "confirm" or not payment_intent_id):
        sandbox.emit("payment_intent.amount_capturable_updated", presented, request=origin)
    if expand:
        return json_response(await sandbox.payment_intent(data["id"], {f"payment_intent.{p}" for p in expand}))
    return json_response(presented)


async def proxy(request: web.Request) -> web.Response:
    """Everything else goes to localstripe unchanged; its answer comes back in Stripe's shape."""
    sandbox = sandbox_of(request)
    params = await request_params(request)  # a body that cannot be decoded goes no further
    body = await request.read()
    headers = {
        name: value for name, value in request.headers.items() if name.lower() in {"authorization", "content-type"}
    }
    async with sandbox.http.request(
        request.method,
        sandbox.localstripe_url + request.path_qs,
        data=body if request.method not in ("GET", "DELETE") else None,
        headers=headers,
    ) as upstream:
        payload = await upstream.read()
        status = upstream.status
        content_type = upstream.content_type
    if content_type != "application/json":
        return web.Response(body=payload, status=status, content_type=content_type)
    return json_response(sandbox.present(json.loads(payload), expand_paths(params)), status=status)


# The hosted payment page ------------------------------------------------------------------------------
async def payment_page(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    session = sandbox.sessions.get(request.match_info["id"])
    if session is None:
        return web.Response(text=render_not_found_page(), status=404, content_type="text/html")
    sandbox.expire_if_due(session)
    if session["status"] != "open":
        view = {**session, "success_url_resolved": success_redirect(session)}
        return web.Response(text=render_closed_page(view), content_type="text/html")
    if request.method == "GET":
        return web.Response(
            text=render_payment_page(
                session, sandbox.session_line_items[session["id"]], await sandbox.saved_cards(session)
            ),
            content_type="text/html",
        )
    form = await request.post()
    values = {name: str(form.get(name, "")) for name in ("card_number", "card_expiry", "card_cvc", "email")}
    values["payment_method"] = str(form.get("payment_method", ""))
    values["save_card"] = bool(form.get("save_card"))
    email_required = not session["customer"] and not session["customer_email"]
    try:
        if email_required and "@" not in values["email"]:
            raise StripeError(400, "Enter the email address for your receipt.")
        await sandbox.pay_session(
            session["id"],
            card_number=values["card_number"],
            payment_method=values["payment_method"],
            save_card=values["save_card"],
            email=values["email"],
            card_expiry=values["card_expiry"],
            card_cvc=values["card_cvc"],
        )
    except StripeError as error:
        page = render_payment_page(
            session,
            sandbox.session_line_items[session["id"]],
            await sandbox.saved_cards(session),
            error=error.body["error"]["message"],
            values=values,
        )
        return web.Response(text=page, status=error.status, content_type="text/html")
    raise web.HTTPSeeOther(success_redirect(session) or f"/pay/{session['id']}")


def success_redirect(session: dict) -> str:
    return (session.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


# Controls for tests and developers ---------------------------------------------------------------------
async def control_pay(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = await sandbox.pay_session(
        request.match_info["id"],
        card_number=str(params.get("card_number") or "4242424242424242"),
        payment_method=str(params.get("payment_method") or ""),
        save_card=str(params.get("save_card", "")).lower() in {"1", "true", "on", "yes"},
        email=str(params.get("email") or ""),
    )
    return json_response(sandbox.session_view(session))


async def control_reset(request: web.Request) -> web.Response:
    await sandbox_of(request).reset()
    return json_response({"reset": True})


async def control_events(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    wanted = request.query.getall("type", [])
    return json_response([event.summary() for event in sandbox.events if not wanted or event.type in wanted])


async def control_resend(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    event = sandbox.find_event(request.match_info["id"])
    sandbox.deliver(event)
    return json_response({"resent": event.id, "endpoints": [endpoint.url for endpoint in sandbox.endpoints]})


async def control_webhook_endpoints(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    if request.method == "POST":
        params = await request_params(request)
        url = str(params.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise StripeError(400, "url must be an http(s) URL.", param="url")
        events = params.get("events") or None
        endpoint = WebhookEndpoint(url, str(params.get("secret") or sandbox.webhook_secret), events)
        if str(params.get("replace", "true")).lower() in {"1", "true"}:
            sandbox.endpoints = [endpoint]
        else:
            sandbox.endpoints.append(endpoint)
    elif request.method == "DELETE":
        sandbox.endpoints = []
    return json_response([{"url": e.url, "events": e.events} for e in sandbox.endpoints])


async def control_tick(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    at = as_int(params["now"], "now") if params.get("now") not in (None, "") else None
    return json_response({"expired": sandbox.expire_due(at)})


async def control_faults(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    if "delay" in params:
        try:
            sandbox.delay = max(0.0, float(params["delay"]))
        except (TypeError, ValueError):
            raise StripeError(400, "delay must be a number of seconds.", param="delay") from None
    return json_response({"delay": sandbox.delay})


async def control_health(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    status, _ = await sandbox.call("GET", "/v1/balance")
    return json_response({"status": "ok" if status == 200 else "localstripe is not answering", "localstripe": status})


async def periodic_expiry(app: web.Application):
    sandbox = app[SANDBOX_KEY]
    while True:
        await asyncio.sleep(30)
        sandbox.expire_due()


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(
        middlewares=[faults_middleware, state_middleware, errors_middleware, auth_middleware, idempotency_middleware],
        client_max_size=4 * 1024 * 1024,
    )
    app[SANDBOX_KEY] = sandbox

    async def lifecycle(app: web.Application):
        sandbox.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        expiry = asyncio.get_running_loop().create_task(periodic_expiry(app)) if sandbox.expire_in_background else None
        yield
        if expiry is not None:
            expiry.cancel()
        for task in list(sandbox.delivery_tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await sandbox.http.close()

    app.cleanup_ctx.append(lifecycle)
    routes = app.router
    routes.add_get("/_sandbox/health", control_health)
    routes.add_post("/_sandbox/reset", control_reset)
    routes.add_get("/_sandbox/events", control_events)
    routes.add_post("/_sandbox/events/{id}/resend", control_resend)
    routes.add_route("*", "/_sandbox/webhook_endpoints", control_webhook_endpoints)
    routes.add_post("/_sandbox/checkout/{id}/pay", control_pay)
    routes.add_post("/_sandbox/tick", control_tick)
    routes.add_post("/_sandbox/faults", control_faults)
    routes.add_get("/pay/{id}", payment_page)
    routes.add_post("/pay/{id}", payment_page)
    routes.add_post("/v1/checkout/sessions", create_checkout_session)
    routes.add_get("/v1/checkout/sessions", list_checkout_sessions)
    routes.add_get("/v1/checkout/sessions/{id}", retrieve_checkout_session)
    routes.add_post("/v1/checkout/sessions/{id}", update_checkout_session)
    routes.add_post("/v1/checkout/sessions/{id}/expire", expire_checkout_session)
    routes.add_get("/v1/checkout/sessions/{id}/line_items", list_checkout_session_line_items)
    routes.add_get("/v1/events", list_events)
    routes.add_get("/v1/events/{id}", retrieve_event)
    routes.add_post("/v1/refunds", create_refund)
    routes.add_post("/v1/payment_intents", payment_intent_call)
    routes.add_post("/v1/payment_intents/{id}", payment_intent_call)
    routes.add_post("/v1/payment_intents/{id}/{action:confirm|capture|cancel}", payment_intent_call)
    routes.add_route("*", "/v1/{tail:.*}", proxy)
    return app
