"""Scheduled tasks (django-q2; see website.schedules). Thin: each calls the service its command calls."""

from billing.reconciliation import payments_reconcile


def reconcile_payments() -> dict:
    """Hourly: `manage.py billing_reconcile`."""
    return payments_reconcile()
