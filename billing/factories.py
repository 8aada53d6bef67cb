"""Ledger rows for tests and demo content: Stripe customers, and charges in each status.

Billing knows no payable app, so a charge is always built for a given one: `ChargeFactory(payable=order)`,
and a customer for a given user. The status traits leave a row as billing's services would:

    ChargeFactory(payable=listing, succeeded=True, paid_at=moment)
    ChargeFactory(payable=invoice, refunded=True)

A factory writes the row only: no signal is sent, so a payable hears nothing (call its own service to react).
"""

import factory
from django.utils import timezone

from billing.models import Charge, Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    """Build with user=<user>."""

    class Meta:
        model = Customer
        django_get_or_create = ("user",)

    stripe_customer_id = factory.Sequence(lambda n: f"cus_test_{n:06d}")


class ChargeFactory(factory.django.DjangoModelFactory):
    """Build with payable=<a registered payable>; pending (a Checkout charge waiting for Stripe) unless a trait says."""

    class Meta:
        model = Charge
        exclude = ("now",)

    class Params:
        now = factory.LazyFunction(timezone.now)
        succeeded = factory.Trait(status=Charge.Status.SUCCEEDED, paid_at=factory.SelfAttribute("now"))
        partially_refunded = factory.Trait(
            status=Charge.Status.PARTIALLY_REFUNDED,
            paid_at=factory.SelfAttribute("now"),
            amount_refunded=factory.LazyAttribute(lambda charge: charge.amount // 2),
            refunded_at=factory.SelfAttribute("now"),
        )
        refunded = factory.Trait(
            status=Charge.Status.REFUNDED,
            paid_at=factory.SelfAttribute("now"),
            amount_refunded=factory.SelfAttribute("amount"),
            refunded_at=factory.SelfAttribute("now"),
        )
        disputed = factory.Trait(
            status=Charge.Status.DISPUTED,
            paid_at=factory.SelfAttribute("now"),
            disputed_at=factory.SelfAttribute("now"),
        )
        failed = factory.Trait(status=Charge.Status.FAILED, failure_message="Your card was declined.")
        canceled = factory.Trait(status=Charge.Status.CANCELED, canceled_at=factory.SelfAttribute("now"))

    payable = None  # required
    # Whoever the payable belongs to (a listing's owner, an order's buyer), unless given.
    user = factory.LazyAttribute(
        lambda charge: getattr(charge.payable, "owner", None) or getattr(charge.payable, "user", None)
    )
    amount = 2500
    currency = "usd"
    description = factory.LazyAttribute(lambda charge: charge.payable.payment_description()[:255])
    method = Charge.Method.CHECKOUT
    status = Charge.Status.PENDING
