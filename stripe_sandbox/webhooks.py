"""Webhook delivery: each event POSTed to every endpoint that wants it, signed like Stripe, retried a few times."""

import asyncio
import logging

import aiohttp

from .signing import stripe_signature_header
from .state import Event, Sandbox, WebhookEndpoint

logger = logging.getLogger(__name__)

WEBHOOK_RETRY_DELAYS = (0, 1, 4, 15)


def deliver(sandbox: Sandbox, event: Event):
    """Send `event` in the background to each configured endpoint that subscribes to its type."""
    for endpoint in sandbox.endpoints:
        if endpoint.events and event.type not in endpoint.events and "*" not in endpoint.events:
            continue
        task = asyncio.get_running_loop().create_task(send_webhook(sandbox, event, endpoint))
        sandbox.delivery_tasks.add(task)
        task.add_done_callback(sandbox.delivery_tasks.discard)


async def send_webhook(sandbox: Sandbox, event: Event, endpoint: WebhookEndpoint):
    for delay in WEBHOOK_RETRY_DELAYS:
        await asyncio.sleep(delay)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_signature_header(event.body, endpoint.secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        try:
            async with sandbox.http.post(endpoint.url, data=event.body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, OSError) as error:
            event.deliveries.append({"url": endpoint.url, "error": str(error) or type(error).__name__})
            logger.info("webhook %s %s to %s failed: %s", event.type, event.id, endpoint.url, error)
            continue
        event.deliveries.append({"url": endpoint.url, "status": status})
        logger.info("webhook %s %s to %s: HTTP %s", event.type, event.id, endpoint.url, status)
        if 200 <= status < 300:
            return
