"""Checkout Sessions: created, listed, retrieved, updated and expired through /v1/checkout/sessions.

Paying one is the hosted payment page's part (payment_page.py).
"""

import asyncio
import secrets

from aiohttp import web

from .api import StripeError, as_int, created_filter, expand_paths, json_response, new_id, now, paginate, request_params
from .events import emit
from .shape import fetch_payment_intent
from .state import Sandbox, sandbox_of

CHECKOUT_CREATE_PARAMS = {
    "mode", "line_items", "customer", "customer_email", "client_reference_id", "metadata", "payment_intent_data",
    "saved_payment_method_options", "expires_at", "success_url", "cancel_url", "payment_method_types", "locale",
    "submit_type", "billing_address_collection", "customer_creation", "allow_promotion_codes", "currency",
    "phone_number_collection", "custom_text", "ui_mode", "invoice_creation", "consent_collection",
    "payment_method_options", "shipping_address_collection", "tax_id_collection", "automatic_tax",
    "after_expiration", "customer_update", "discounts", "expand", "shipping_options",
}  # fmt: skip
CHECKOUT_LIST_PARAMS = {
    "status", "created", "customer", "customer_details", "payment_intent", "limit", "starting_after", "ending_before",
    "expand",
}  # fmt: skip
MIN_EXPIRY_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 24 * 60 * 60
EXPIRY_CHECK_SECONDS = 30


def get_session(sandbox: Sandbox, session_id: str) -> dict:
    """The session, expired first if its time is up; 404 as Stripe answers for an unknown id."""
    session = sandbox.sessions.get(session_id)
    if session is None:
        raise StripeError(404, f"No such checkout.session: '{session_id}'", code="resource_missing", param="id")
    expire_if_due(sandbox, session)
    return session


def expire_if_due(sandbox: Sandbox, session: dict, at: int | None = None) -> bool:
    if session["status"] == "open" and session["expires_at"] <= (now() if at is None else at):
        expire(sandbox, session)
        return True
    return False


def expire(sandbox: Sandbox, session: dict):
    session.update(status="expired", url=None)
    emit(sandbox, "checkout.session.expired", session_view(session))


def expire_due(sandbox: Sandbox, at: int | None = None) -> list[str]:
    return [s["id"] for s in list(sandbox.sessions.values()) if expire_if_due(sandbox, s, at)]


async def expire_periodically(sandbox: Sandbox):
    """Expire sessions whose time is up without waiting for a request to look at them (`manage.py stripe_sandbox`)."""
    while True:
        await asyncio.sleep(EXPIRY_CHECK_SECONDS)
        expire_due(sandbox)


def session_view(session: dict) -> dict:
    """The session as Stripe shows it: without the sandbox's own `_...` keys."""
    return {key: value for key, value in session.items() if not key.startswith("_")}


async def present_session(sandbox: Sandbox, session: dict, expand: set[str]) -> dict:
    view = session_view(session)
    wants_payment_intent = "payment_intent" in expand or any(p.startswith("payment_intent.") for p in expand)
    if wants_payment_intent and view["payment_intent"]:
        view["payment_intent"] = await fetch_payment_intent(sandbox, view["payment_intent"], expand)
    if "customer" in expand and view["customer"]:
        view["customer"] = await sandbox.fetch(f"/v1/customers/{view['customer']}")
    if "line_items" in expand:
        view["line_items"] = line_items_list(sandbox, session["id"], {})
    return view


def line_items_list(sandbox: Sandbox, session_id: str, params: dict) -> dict:
    items = sandbox.session_line_items[session_id]
    return paginate(items, params, f"/v1/checkout/sessions/{session_id}/line_items")


async def create_session(sandbox: Sandbox, params: dict) -> dict:
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
        status, _ = await sandbox.call("GET", f"/v1/customers/{params['customer']}")
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
    allowed_countries = parse_address_collection(params.get("shipping_address_collection"))
    raw_options = params.get("shipping_options") or []
    shipping_options = [parse_shipping_option(sandbox, raw, index, currency) for index, raw in enumerate(raw_options)]
    if len(shipping_options) > 5:
        raise StripeError(400, "You may only specify up to 5 shipping options.", param="shipping_options")
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
    # As at Stripe, the first shipping option is chosen until the buyer picks another, and is in the total.
    first_option = shipping_options[0] if shipping_options else None
    shipping_amount = first_option["shipping_amount"] if first_option else 0
    session = {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": params.get("allow_promotion_codes"),
        "amount_subtotal": total,
        "amount_total": total + shipping_amount,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id") or None,
        "collected_information": None,
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
        "shipping_address_collection": {"allowed_countries": allowed_countries} if allowed_countries else None,
        "shipping_cost": shipping_cost(first_option) if first_option else None,
        "shipping_options": shipping_options,
        "status": "open",
        "submit_type": params.get("submit_type"),
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": shipping_amount, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": f"{sandbox.public_url}/pay/{session_id}",
    }
    sandbox.sessions[session_id] = session
    sandbox.session_line_items[session_id] = items
    return session


def parse_address_collection(raw) -> list[str]:
    if raw in (None, ""):
        return []
    countries = raw.get("allowed_countries") if isinstance(raw, dict) else None
    param = "shipping_address_collection[allowed_countries]"
    if not isinstance(countries, list) or not countries:
        raise StripeError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")
    for country in countries:
        if not (isinstance(country, str) and len(country) == 2 and country.isalpha() and country.isupper()):
            raise StripeError(400, f"Invalid {param}[]: {country!r} is not a two-letter country code.", param=param)
    return list(countries)


def parse_shipping_option(sandbox: Sandbox, raw, index: int, currency: str) -> dict:
    """One `shipping_options[]` entry: an existing shipping rate, or `shipping_rate_data` made into one."""
    param = f"shipping_options[{index}]"
    if not isinstance(raw, dict):
        raise StripeError(400, "Invalid shipping option.", param=param)
    if raw.get("shipping_rate"):
        rate = sandbox.shipping_rates.get(raw["shipping_rate"])
        if rate is None:
            raise StripeError(404, f"No such shipping rate: '{raw['shipping_rate']}'", param=f"{param}[shipping_rate]")
    else:
        data = raw.get("shipping_rate_data")
        if not isinstance(data, dict) or not data.get("display_name"):
            raise StripeError(400, f"Missing required param: {param}[shipping_rate_data][display_name].", param=param)
        fixed = data.get("fixed_amount") or {}
        amount = as_int(fixed.get("amount"), f"{param}[shipping_rate_data][fixed_amount][amount]")
        if amount < 0:
            raise StripeError(400, "The shipping amount must be 0 or more.", param=f"{param}[shipping_rate_data]")
        rate = {
            "id": new_id("shr_"),
            "object": "shipping_rate",
            "active": True,
            "created": now(),
            "delivery_estimate": data.get("delivery_estimate"),
            "display_name": str(data["display_name"]),
            "fixed_amount": {"amount": amount, "currency": str(fixed.get("currency") or "").lower()},
            "livemode": False,
            "metadata": data.get("metadata") or {},
            "tax_behavior": data.get("tax_behavior") or "unspecified",
            "tax_code": None,
            "type": data.get("type") or "fixed_amount",
        }
        sandbox.shipping_rates[rate["id"]] = rate
    if rate["fixed_amount"]["currency"] != currency:
        raise StripeError(
            400,
            f"The shipping option's currency ({rate['fixed_amount']['currency']}) must match the line items' "
            f"({currency}).",
            param=param,
        )
    return {"shipping_amount": rate["fixed_amount"]["amount"], "shipping_rate": rate["id"]}


def shipping_cost(option: dict) -> dict:
    amount = option["shipping_amount"]
    return {
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "shipping_rate": option["shipping_rate"],
    }


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
    images = product_data.get("images") or []
    if (
        not isinstance(images, list)
        or len(images) > 8
        or not all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in images)
    ):
        raise StripeError(400, "Invalid URL in images.", param=f"{param}[price_data][product_data][images]")
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
            "product_data": {"name": name, "description": product_data.get("description"), "images": images},
            "type": "one_time",
            "unit_amount": unit_amount,
        },
        "quantity": quantity,
    }


# Routes -------------------------------------------------------------------------------------------------
async def create_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = await create_session(sandbox, params)
    return json_response(await present_session(sandbox, session, expand_paths(params)))


async def list_checkout_sessions(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    unknown = sorted(set(params) - CHECKOUT_LIST_PARAMS)
    if unknown:
        raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
    expire_due(sandbox)
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
    page["data"] = [await present_session(sandbox, session, expand) for session in page["data"]]
    return json_response(page)


async def retrieve_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = get_session(sandbox, request.match_info["id"])
    return json_response(await present_session(sandbox, session, expand_paths(params)))


async def update_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = get_session(sandbox, request.match_info["id"])
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
    return json_response(await present_session(sandbox, session, expand_paths(params)))


async def expire_checkout_session(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = get_session(sandbox, request.match_info["id"])
    if session["status"] != "open":
        raise StripeError(
            400,
            'Only Checkout Sessions with a status in ["open"] can be expired. '
            f'This Checkout Session has a status of "{session["status"]}".',
        )
    expire(sandbox, session)
    return json_response(await present_session(sandbox, session, expand_paths(params)))


async def list_checkout_session_line_items(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    session = get_session(sandbox, request.match_info["id"])
    return json_response(line_items_list(sandbox, session["id"], params))


async def retrieve_shipping_rate(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rate = sandbox.shipping_rates.get(request.match_info["id"])
    if rate is None:
        message = f"No such shipping_rate: '{request.match_info['id']}'"
        raise StripeError(404, message, code="resource_missing", param="id")
    return json_response(rate)
