"""Our Stripe stand-in, assembled: the aiohttp application and its whole route table.

Checkout Sessions (checkout_sessions.py), the hosted payment page (payment_page.py), charges' receipts
(receipts.py), events
(events.py) and their webhooks (webhooks.py) are ours; PaymentIntents and refunds go to localstripe
with its gaps filled, and every other `/v1/...` request goes to it unchanged (passthrough.py).
`/_sandbox/...` holds the controls for tests and scripts (control.py). The state lives in state.py;
every request passes the middleware in middleware.py. runner.py starts it all.
"""

import asyncio
import contextlib

import aiohttp
from aiohttp import web

from . import checkout_sessions, control, events, passthrough, receipts
from .middleware import MIDDLEWARES
from .payment_page import payment_page
from .state import SANDBOX_KEY, Sandbox


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=4 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox

    async def lifecycle(app: web.Application):
        sandbox.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        expiry = (
            asyncio.get_running_loop().create_task(checkout_sessions.expire_periodically(sandbox))
            if sandbox.expire_in_background
            else None
        )
        yield
        if expiry is not None:
            expiry.cancel()
        for task in list(sandbox.delivery_tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await sandbox.http.close()

    app.cleanup_ctx.append(lifecycle)
    routes = app.router
    routes.add_get("/_sandbox/health", control.control_health)
    routes.add_post("/_sandbox/reset", control.control_reset)
    routes.add_get("/_sandbox/events", control.control_events)
    routes.add_post("/_sandbox/events/{id}/resend", control.control_resend)
    routes.add_route("*", "/_sandbox/webhook_endpoints", control.control_webhook_endpoints)
    routes.add_post("/_sandbox/checkout/{id}/pay", control.control_pay)
    routes.add_post("/_sandbox/tick", control.control_tick)
    routes.add_post("/_sandbox/faults", control.control_faults)
    routes.add_get("/pay/{id}", payment_page)
    routes.add_post("/pay/{id}", payment_page)
    routes.add_get("/receipts/{id}", receipts.receipt_page)
    routes.add_post("/v1/checkout/sessions", checkout_sessions.create_checkout_session)
    routes.add_get("/v1/checkout/sessions", checkout_sessions.list_checkout_sessions)
    routes.add_get("/v1/checkout/sessions/{id}", checkout_sessions.retrieve_checkout_session)
    routes.add_post("/v1/checkout/sessions/{id}", checkout_sessions.update_checkout_session)
    routes.add_post("/v1/checkout/sessions/{id}/expire", checkout_sessions.expire_checkout_session)
    routes.add_get("/v1/checkout/sessions/{id}/line_items", checkout_sessions.list_checkout_session_line_items)
    routes.add_get("/v1/shipping_rates/{id}", checkout_sessions.retrieve_shipping_rate)
    routes.add_get("/v1/events", events.list_events)
    routes.add_get("/v1/events/{id}", events.retrieve_event)
    routes.add_post("/v1/refunds", passthrough.create_refund)
    routes.add_post("/v1/payment_intents", passthrough.payment_intent_call)
    routes.add_post("/v1/payment_intents/{id}", passthrough.payment_intent_call)
    routes.add_post("/v1/payment_intents/{id}/{action:confirm|capture|cancel}", passthrough.payment_intent_call)
    routes.add_route("*", "/v1/{tail:.*}", passthrough.proxy)  # last: whatever no route above answers
    return app
