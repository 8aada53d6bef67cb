"""Scheduled tasks (django-q2; see website.schedules). Thin: each calls the service its command calls."""

from shop.fulfilment import orders_retry_pending_refunds
from shop.holds import stock_holds_release_expired
from shop.models import Cart


def purge_stale_carts() -> dict:
    """Daily: `manage.py purge_carts` with the default cut-off."""
    result = Cart.purge_stale()
    return {"carts": result.carts, "lines": result.lines, "batches": result.batches}


def release_expired_holds() -> dict:
    """Every few minutes: expire pending orders whose stock holds ran out, and retry refunds Stripe refused."""
    return {"orders_expired": stock_holds_release_expired(), "refunds_retried": orders_retry_pending_refunds()}
