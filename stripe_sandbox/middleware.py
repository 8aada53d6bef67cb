"""What every request goes through, outermost first: faults, saving state, Stripe's error answers, the guard on the
controls and the payment page, the API key, and `Idempotency-Key`."""

import asyncio
from urllib.parse import parse_qsl

from aiohttp import web

from .api import API_KEY, IDEMPOTENCY_KEY, StripeError, now
from .state import sandbox_of


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


CONTROL_PREFIX = "/_sandbox/"
PAYMENT_PAGE_PREFIX = "/pay/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@web.middleware
async def control_guard_middleware(request: web.Request, handler):
    """Any web page a developer opens could otherwise drive the sandbox with a cross-site form post: re-point its
    webhook endpoint, reset it, pay sessions. A control that changes anything takes only a JSON body, which an HTML
    form cannot send and a script on another origin cannot send without a CORS preflight the sandbox never answers;
    and a request that says it comes from another origin (`Origin`) is refused on the controls and the payment page.
    """
    control = request.path.startswith(CONTROL_PREFIX)
    if not control and not request.path.startswith(PAYMENT_PAGE_PREFIX):
        return await handler(request)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise StripeError(403, f"The sandbox refuses requests from another origin ({origin}).")
    if control and request.method not in SAFE_METHODS and request.content_type != "application/json":
        raise StripeError(
            415,
            "Sandbox controls take a JSON body (Content-Type: application/json), never a form; "
            "stripe_sandbox.testing.StripeSandbox sends one.",
        )
    return await handler(request)


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


MIDDLEWARES = [
    faults_middleware,
    state_middleware,
    errors_middleware,
    control_guard_middleware,
    auth_middleware,
    idempotency_middleware,
]
