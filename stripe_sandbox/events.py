"""Stripe's events: made as things happen, kept in order, sent to webhook endpoints, and read through /v1/events."""

import json
import secrets

from aiohttp import web

from .api import IDEMPOTENCY_KEY, StripeError, created_filter, json_response, new_id, now, paginate, request_params
from .shape import present
from .state import Event, Sandbox, sandbox_of
from .webhooks import deliver

API_VERSION = "2026-10-28.endive"  # the version stripe-python 16.1 pins


def emit(
    sandbox: Sandbox,
    event_type: str,
    obj: dict,
    *,
    previous_attributes: dict | None = None,
    request: dict | None = None,
) -> Event:
    event = {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": API_VERSION,
        "created": now(),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": len(sandbox.endpoints),
        "request": request or {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if previous_attributes is not None:
        event["data"]["previous_attributes"] = previous_attributes
    stored = Event(event["id"], event_type, event["created"], json.dumps(event, indent=2).encode())
    sandbox.events.append(stored)
    deliver(sandbox, stored)
    return stored


def find_event(sandbox: Sandbox, event_id: str) -> Event:
    for event in sandbox.events:
        if event.id == event_id:
            return event
    raise StripeError(404, f"No such event: '{event_id}'", code="resource_missing", param="id")


def event_request(request: web.Request) -> dict:
    """An event's `request`: the API request that caused it, with its Idempotency-Key."""
    return {"id": "req_" + secrets.token_hex(7), "idempotency_key": request.get(IDEMPOTENCY_KEY)}


async def emit_charge_succeeded(sandbox: Sandbox, payment_intent: dict):
    if payment_intent.get("latest_charge"):
        charge = await sandbox.fetch(f"/v1/charges/{payment_intent['latest_charge']}")
        emit(sandbox, "charge.succeeded", present(sandbox, charge, set()))


# Routes -------------------------------------------------------------------------------------------------
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
    event = find_event(sandbox_of(request), request.match_info["id"])
    return web.Response(body=event.body, content_type="application/json")
