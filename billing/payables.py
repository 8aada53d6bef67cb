"""What can be paid for, without billing knowing the apps that sell it.

A payable is any model instance that offers these methods (shop orders, job listings, tomorrow ads):

    payment_amount() -> int               the price in minor units, read on the server every time
    payment_currency() -> str             ISO 4217 code, e.g. "usd", "jpy"
    payment_description() -> str          one line for the receipt, the ledger and Stripe Checkout
    can_be_paid_by(user) -> bool          False for other people's things and for things not payable now
    payment_success_url() -> str          where the payer lands after paying (a path on this site)
    payment_cancel_url() -> str           where the payer lands after giving up

and may offer these hooks, which billing calls inside the ledger's transaction, once per change:

    on_charge_succeeded(charge)           the payment is confirmed: fulfil (mark paid, publish, ...)
    on_charge_refunded(charge)            money went back; `charge.status` says wholly or partly
    on_charge_disputed(charge)            the cardholder disputed the payment
    on_charge_canceled(charge)            the payment ended unpaid (Checkout expired or abandoned, a
                                          saved card failed) and no other payment for this payable is
                                          under way: release stock holds

An app registers its models in its AppConfig.ready():

    from billing import payables
    payables.register(Order)
"""

import logging
from typing import Protocol, runtime_checkable

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
HOOKS = ("on_charge_succeeded", "on_charge_refunded", "on_charge_disputed", "on_charge_canceled")

_registry: dict[str, type] = {}


@runtime_checkable
class Payable(Protocol):
    """What billing needs from a payable model (the hooks are optional; see the module docstring)."""

    pk: object

    def payment_amount(self) -> int: ...
    def payment_currency(self) -> str: ...
    def payment_description(self) -> str: ...
    def can_be_paid_by(self, user) -> bool: ...
    def payment_success_url(self) -> str: ...
    def payment_cancel_url(self) -> str: ...


class PayableNotFound(LookupError):
    """The named payable is not registered or no longer exists."""


def register(model):
    """Make `model` payable through billing. Usable as a class decorator too."""
    missing = [name for name in REQUIRED_METHODS if not callable(getattr(model, name, None))]
    if missing:
        raise ImproperlyConfigured(f"{model.__name__} cannot be a payable: it has no {', '.join(missing)}.")
    _registry[model._meta.label_lower] = model
    return model


def unregister(model) -> None:
    _registry.pop(model._meta.label_lower, None)


def is_registered(model_or_instance) -> bool:
    return model_or_instance._meta.label_lower in _registry


def registered_models() -> list[type]:
    return list(_registry.values())


def model_label(payable) -> str:
    return payable._meta.label_lower


def get_payable(label: str, object_id: str):
    """The payable instance named by a model label and primary key, or PayableNotFound."""
    model = _registry.get(label)
    if model is None:
        raise PayableNotFound(f"{label} is not payable.")
    try:
        manager = model._default_manager
        # Wagtail pages: the specific instance, so its own methods answer.
        instance = manager.get(pk=object_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise PayableNotFound(f"No {label} with id {object_id}.") from None
    return instance


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


def call_hook(payable, hook: str, charge) -> None:
    """Calls the payable's hook if it has one; errors propagate so the surrounding transaction rolls back."""
    if payable is None:
        logger.warning("Charge %s: its payable is gone; %s not called", charge.reference, hook)
        return
    method = getattr(payable, hook, None)
    if callable(method):
        method(charge)
