"""The `/_sandbox/...` controls for tests, scripts and developers: health, reset, events, resend, webhook endpoints,
paying a session, expiring sessions, faults. Never part of Stripe's API; no API key needed."""

import math

from aiohttp import web

from .api import StripeError, as_int, json_response, request_params
from .checkout_sessions import expire_due, session_view
from .events import find_event
from .payment_page import pay_session
from .state import WebhookEndpoint, sandbox_of
from .webhooks import deliver

MAX_DELAY_SECONDS = 60


async def control_pay(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    address = params.get("shipping_address")
    session = sandbox.sessions.get(request.match_info["id"]) or {}
    if not isinstance(address, dict) and session.get("shipping_address_collection"):
        # A test that does not care where the parcel goes: a plain address in the first country allowed.
        country = session["shipping_address_collection"]["allowed_countries"][0]
        address = {"name": "Test Buyer", "line1": "1 Test Street", "city": "Testville", "postal_code": "12345"}
        address["country"] = country
    session = await pay_session(
        sandbox,
        request.match_info["id"],
        card_number=str(params.get("card_number") or "4242424242424242"),
        payment_method=str(params.get("payment_method") or ""),
        save_card=str(params.get("save_card", "")).lower() in {"1", "true", "on", "yes"},
        email=str(params.get("email") or ""),
        shipping_rate=str(params.get("shipping_rate") or ""),
        shipping_address=address if isinstance(address, dict) else None,
    )
    return json_response(session_view(session))


async def control_reset(request: web.Request) -> web.Response:
    await sandbox_of(request).reset()
    return json_response({"reset": True})


async def control_events(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    wanted = request.query.getall("type", [])
    return json_response([event.summary() for event in sandbox.events if not wanted or event.type in wanted])


async def control_resend(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    event = find_event(sandbox, request.match_info["id"])
    deliver(sandbox, event)
    return json_response({"resent": event.id, "endpoints": [endpoint.url for endpoint in sandbox.endpoints]})


async def control_webhook_endpoints(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    if request.method == "POST":
        params = await request_params(request)
        url = str(params.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise StripeError(400, "url must be an http(s) URL.", param="url")
        events = params.get("events") or None
        if events is not None and (not isinstance(events, list) or not all(isinstance(e, str) for e in events)):
            raise StripeError(400, "events must be a list of event types.", param="events")
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
    return json_response({"expired": expire_due(sandbox, at)})


async def control_faults(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    params = await request_params(request)
    if "delay" in params:
        try:
            delay = float(params["delay"])
        except (TypeError, ValueError):
            delay = math.nan
        # "Infinity" or 1e300 would hang every later API call; a minute is more than any test waits.
        if not 0 <= delay <= MAX_DELAY_SECONDS:
            raise StripeError(400, f"delay must be a number of seconds from 0 to {MAX_DELAY_SECONDS}.", param="delay")
        sandbox.delay = delay
    return json_response({"delay": sandbox.delay})


async def control_health(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    status, _ = await sandbox.call("GET", "/v1/balance")
    return json_response({"status": "ok" if status == 200 else "localstripe is not answering", "localstripe": status})
