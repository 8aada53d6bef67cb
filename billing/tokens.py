"""Signed tokens naming a payable, for the generic payment page `/billing/pay/<token>/`.

The token carries the model label and primary key, signed with SECRET_KEY and a salt of its own, so
it cannot be altered to name something else. Who may pay is still checked on every request.
"""

from django.core import signing
from django.urls import reverse

from billing import payables

SALT = "billing.payment-page"


class BadToken(ValueError):
    """The token was altered, truncated or made for something else."""


def make_token(payable) -> str:
    if not payables.is_registered(payable):
        raise ValueError(f"{payable._meta.label} is not registered as a payable.")
    return signing.dumps({"m": payables.model_label(payable), "pk": str(payable.pk)}, salt=SALT)


def read_token(token: str) -> tuple[str, str]:
    """(model label, primary key) from a token, or BadToken."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise BadToken("This payment link is not valid.") from None
    if not isinstance(data, dict) or not isinstance(data.get("m"), str) or not isinstance(data.get("pk"), str):
        raise BadToken("This payment link is not valid.")
    return data["m"], data["pk"]


def payable_from_token(token: str):
    """The payable a token names; BadToken if tampered, PayableNotFound if gone or not payable."""
    label, pk = read_token(token)
    return payables.get_payable(label, pk)


def payment_url(payable) -> str:
    """The path of the payment page for `payable` (give it to the payer, or redirect them there)."""
    return reverse("billing:pay", args=[make_token(payable)])
