"""What can be paid for, without billing knowing the apps that sell it.

A payable is any model instance that offers these methods (shop orders, job listings, tomorrow ads):

    payment_amount() -> int               the price in minor units, read on the server every time
    payment_currency() -> str             ISO 4217 code, e.g. "usd", "jpy"
    payment_description() -> str          one line for the receipt, the ledger and Stripe Checkout
    can_be_paid_by(user) -> bool          False for other people's things and for things not payable now;
                                          an AnonymousUser is a guest paying without an account
    payment_success_url() -> str          where the payer lands after paying (a path on this site)
    payment_cancel_url() -> str           where the payer lands after giving up

and may offer these (a job listing offers only the first, and is paid as one line with no address):

    payment_outcome() -> str                    what the payment buys ("live until 13 Dec, 18:24"), shown before
                                                paying
    payment_confirms_itself() -> bool           True when the success page says "paid" itself (an order's page
                                                does), so billing adds no message of its own: one confirmation
                                                per payment

    payment_line_items() -> list[PaymentLine]   what Stripe's page, receipt and Dashboard list; must add up to
                                                payment_amount(), or billing falls back to one line
    payment_shipping() -> ShippingTerms | None  the countries it may be sent to and the rates to choose from;
                                                Checkout then collects an address and a rate, the session's
                                                total is checked against amount + the chosen rate, and the
                                                choice is kept on the charge (`shipping_*`) for the payable

An app registers its models in its AppConfig.ready():

    from billing import payables
    payables.register(Order)

and hears what happens to their payments only through billing.signals, with receivers connected for its own
model (`@receiver(charge_succeeded, sender=Order)`), in its own receivers module. Billing announces each
change once, inside the ledger's transaction (see `announce`).
"""

import logging
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist

logger = logging.getLogger(__name__)

REQUIRED_METHODS = (
    "payment_amount",
    "payment_currency",
    "payment_description",
    "can_be_paid_by",
    "payment_success_url",
    "payment_cancel_url",
)

_registry: dict[str, type] = {}


@dataclass(frozen=True)
class PaymentLine:
    """One line on the payment page: `unit_amount` in the payable's currency, minor units."""

    name: str
    unit_amount: int
    quantity: int = 1
    image_url: str = ""  # a path on this site or an absolute http(s) URL; Stripe shows it beside the name


@dataclass(frozen=True)
class ShippingOption:
    """A rate the payer may choose. `key` comes back on the charge to say which one they chose."""

    key: str
    name: str
    amount: int
    min_days: int | None = None
    max_days: int | None = None


@dataclass(frozen=True)
class ShippingTerms:
    countries: list[str]
    options: list[ShippingOption] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"countries": list(self.countries), "options": [asdict(option) for option in self.options]}


class PayableNotFound(LookupError):
    """The named payable is not registered or no longer exists."""


def register(model):
    """Make `model` payable through billing. Usable as a class decorator too."""
    missing = [name for name in REQUIRED_METHODS if not callable(getattr(model, name, None))]
    if missing:
        raise ImproperlyConfigured(f"{model.__name__} cannot be a payable: it has no {', '.join(missing)}.")
    _registry[model._meta.label_lower] = model
    return model


def is_registered(model_or_instance) -> bool:
    return model_or_instance._meta.label_lower in _registry


def model_label(payable) -> str:
    return payable._meta.label_lower


def get_payable(label: str, object_id: str):
    """The payable instance named by a model label and primary key, or PayableNotFound."""
    model = _registry.get(label)
    if model is None:
        raise PayableNotFound(f"{label} is not payable.")
    try:
        # Wagtail pages: the specific model's manager, so its own methods answer.
        return model._default_manager.get(pk=object_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise PayableNotFound(f"No {label} with id {object_id}.") from None


def confirms_itself(payable) -> bool:
    """Whether the payable's success page confirms the payment itself (the optional `payment_confirms_itself`)."""
    method = getattr(payable, "payment_confirms_itself", None)
    return bool(method()) if callable(method) else False


def payable_for_charge(charge):
    """The charge's payable, or None when its model is not registered or the object is gone."""
    try:
        model = charge.content_type.model_class()
    except ContentType.DoesNotExist:
        return None
    if model is None or not apps.is_installed(model._meta.app_config.name) or not is_registered(model):
        return None
    try:
        return get_payable(model._meta.label_lower, charge.object_id)
    except PayableNotFound:
        return None


def announce(signal, *, charge, **extra) -> None:
    """Sends one of billing.signals for `charge` to its payable's app: `sender` is the payable's model class,
    with `charge=`, `payable=` and `extra`. A receiver that raises propagates, so the surrounding transaction
    rolls back and the caller (a webhook) fails for Stripe to try again. A charge whose payable is gone is
    announced with `sender=Charge` and `payable=None`, and logged."""
    payable = payable_for_charge(charge)
    if payable is None:
        logger.warning("Charge %s: its payable is gone; nobody hears of it", charge.reference)
    sender = type(payable) if payable is not None else type(charge)
    signal.send(sender=sender, charge=charge, payable=payable, **extra)
