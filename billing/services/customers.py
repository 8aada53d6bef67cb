"""Stripe customers: one per user, created at Stripe on first use, replaced when Stripe has lost it."""

import logging

from django.db import IntegrityError, transaction

from billing import stripe_client
from billing.models import Customer
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)


def customer_get_or_create(*, user, replacing: str = "") -> Customer:
    """The user's Stripe customer, created at Stripe on first use.

    The idempotency key comes from the user (id and sign-up time, so a recycled id never collides),
    so two first payments at once get the same Stripe customer, and the unique constraint settles
    which of them writes the row. `replacing` names a customer Stripe no longer has, so the key
    differs from the one that made it.
    """
    existing = Customer.objects.filter(user=user).first()
    if existing:
        return existing
    joined = int(user.date_joined.timestamp()) if getattr(user, "date_joined", None) else 0
    key = f"customer:user:{user.pk}:{joined}" + (f":replacing:{replacing}" if replacing else "")
    created = stripe_client.create_customer(
        email=user.email or "",
        name=user.get_full_name() or user.get_username(),
        metadata={"user_id": str(user.pk)},
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, stripe_customer_id=created["id"])
    except IntegrityError:
        return Customer.objects.get(user=user)


def customer_replace_missing(*, customer: Customer) -> Customer:
    """Stripe says this customer does not exist (deleted in the Dashboard, a wiped test account): start afresh."""
    logger.warning(
        "Stripe customer %s of user %s is gone; creating a new one", customer.stripe_customer_id, customer.user_id
    )
    Customer.objects.filter(pk=customer.pk).delete()
    return customer_get_or_create(user=customer.user, replacing=customer.stripe_customer_id)


def customer_is_missing(error: PaymentError) -> bool:
    return error.code in ("resource_missing", "not_found") and error.param == "customer"
