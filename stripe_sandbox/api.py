"""Stripe's API conventions every route shares: errors, JSON answers, ids, integers, `expand`, lists, parameters."""

import json
import secrets
import time
from urllib.parse import parse_qsl

from aiohttp import web

from .cards import CardDecline
from .params import ParamsError, decode_params

# Set on each request by the middleware (middleware.py): the caller's API key and its Idempotency-Key.
API_KEY = web.RequestKey("api_key", str)
IDEMPOTENCY_KEY = web.RequestKey("idempotency_key", str)


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
