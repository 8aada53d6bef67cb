"""What the sandbox passes on to localstripe: PaymentIntents and refunds with localstripe's gaps filled on the way,
and every other `/v1/...` request unchanged. Answers come back in Stripe's shape (shape.py); POSTs honour
`Idempotency-Key` as Stripe does (middleware.py).
"""

import json

from aiohttp import web

from .api import StripeError, as_int, expand_paths, json_response, request_params
from .cards import card_fingerprint, normalise_card_number
from .events import emit, emit_charge_succeeded, event_request
from .shape import PAYMENT_INTENT_EXTRA_FIELDS, fetch_payment_intent, present
from .state import sandbox_of


async def create_refund(request: web.Request) -> web.Response:
    """Refunds with Stripe's limits (localstripe refunds more than was paid) and Stripe's events."""
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
        updated_charge = present(sandbox, await sandbox.fetch(f"/v1/charges/{charge_id}"), set())
        emit(sandbox, "refund.created", refund, request=event_request(request))
        emit(
            sandbox,
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
            payment_intent = await fetch_payment_intent(sandbox, failed_id)
            if not payment_intent_id:
                emit(sandbox, "payment_intent.created", payment_intent, request=origin)
            if charge:
                emit(sandbox, "charge.failed", present(sandbox, charge, set()), request=origin)
            emit(sandbox, "payment_intent.payment_failed", payment_intent, request=origin)
            data["error"]["payment_intent"] = payment_intent
        data["error"]["type"] = "card_error"
        data["error"].setdefault("decline_code", "generic_decline")
        return json_response(data, status=status)
    if status != 200:
        return json_response(data, status=status)
    sandbox.payment_intent_extras.setdefault(data["id"], {}).update(extras)
    presented = present(sandbox, data, set())
    if not payment_intent_id:
        emit(sandbox, "payment_intent.created", presented, request=origin)
    if action == "cancel":
        emit(sandbox, "payment_intent.canceled", presented, request=origin)
    if presented["status"] == "succeeded" and (action in ("confirm", "capture") or not payment_intent_id):
        await emit_charge_succeeded(sandbox, presented)
        emit(sandbox, "payment_intent.succeeded", presented, request=origin)
        if presented.get("setup_future_usage") and presented.get("customer") and presented.get("payment_method"):
            await sandbox.call(
                "POST", f"/v1/payment_methods/{presented['payment_method']}/attach", {"customer": presented["customer"]}
            )
    if presented["status"] == "requires_capture" and (action == "confirm" or not payment_intent_id):
        emit(sandbox, "payment_intent.amount_capturable_updated", presented, request=origin)
    if expand:
        return json_response(await fetch_payment_intent(sandbox, data["id"], {f"payment_intent.{p}" for p in expand}))
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
    data = json.loads(payload)
    if request.method == "GET" and request.path == "/v1/payment_methods" and isinstance(data.get("data"), list):
        data["data"].reverse()  # Stripe lists newest first; localstripe in the order they were made
    card = params.get("card")
    if request.method == "POST" and request.path == "/v1/payment_methods" and status == 200 and isinstance(card, dict):
        sandbox.card_fingerprints[data.get("id")] = card_fingerprint(normalise_card_number(str(card.get("number", ""))))
    return json_response(present(sandbox, data, expand_paths(params)), status=status)
