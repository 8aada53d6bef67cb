"""Paying through Stripe Checkout: starting (or handing out again) a session, the payer's return, giving up.

Stripe is always called outside any transaction that holds a row lock: the ledger row is written first in its
own short transaction, Stripe is called, and the result is written in another.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from billing import payables, stripe_client
from billing.models import Charge, Customer
from billing.services.charges import (
    IDEMPOTENCY_WINDOW,
    PAYMENT_UNDER_WAY_MESSAGE,
    charge_create,
    charge_metadata,
    payable_lines,
    payable_shipping,
    payable_terms,
    payment_under_way,
)
from billing.services.customers import customer_get_or_create, customer_is_missing, customer_replace_missing
from billing.services.settlement import charge_mark_canceled, charge_settle_checkout_session
from billing.signals import charge_checkout_opened
from billing.stripe_client import PaymentError

# An open Checkout Session closer than this to expiring is not handed out again.
CHECKOUT_REUSE_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckoutStart:
    charge: Charge
    url: str


def _checkout_expires_at() -> datetime:
    minutes = min(max(int(settings.BILLING_CHECKOUT_EXPIRY_MINUTES), 30), 24 * 60)
    # A minute's margin so clock skew never puts us under Stripe's 30-minute minimum.
    margin = timedelta(minutes=1) if minutes == 30 else timedelta()
    return (timezone.now() + timedelta(minutes=minutes) + margin).replace(microsecond=0)


def _absolute_image(base_url: str, url: str) -> str:
    absolute = urljoin(base_url, url) if url else ""
    return absolute if absolute.startswith(("https://", "http://")) else ""


def _line_items(*, charge: Charge, lines: list, base_url: str) -> list[dict]:
    if not lines:
        lines_params = [{"name": charge.description, "unit_amount": charge.amount, "quantity": 1, "image_url": ""}]
    else:
        lines_params = [vars(line) for line in lines]
    items = []
    for line in lines_params:
        product_data = {"name": line["name"][:250]}
        image = _absolute_image(base_url, line["image_url"])
        if image:
            product_data["images"] = [image]
        items.append(
            {
                "quantity": line["quantity"],
                "price_data": {
                    "currency": charge.currency,
                    "unit_amount": line["unit_amount"],
                    "product_data": product_data,
                },
            }
        )
    return items


def _shipping_params(charge: Charge) -> dict:
    """Checkout's address collection and rate choice, from the terms offered on the charge."""
    terms = charge.shipping_terms or {}
    if not terms.get("options"):
        return {}
    options = []
    for option in terms["options"]:
        rate = {
            "type": "fixed_amount",
            "display_name": option["name"][:100],
            "fixed_amount": {"amount": option["amount"], "currency": charge.currency},
            "metadata": {"option": option["key"]},
        }
        if option.get("min_days") and option.get("max_days"):
            rate["delivery_estimate"] = {
                "minimum": {"unit": "business_day", "value": option["min_days"]},
                "maximum": {"unit": "business_day", "value": option["max_days"]},
            }
        options.append({"shipping_rate_data": rate})
    return {
        "shipping_address_collection": {"allowed_countries": list(terms["countries"])},
        "shipping_options": options,
    }


def _checkout_params(
    *, charge: Charge, customer: Customer | None, base_url: str, expires_at: datetime, lines: list | None = None
) -> dict:
    """The session's parameters; `customer` None is a guest, whose e-mail address Checkout collects (and whose card
    is not saved: there is no customer to save it on)."""
    metadata = charge_metadata(charge)
    return_url = urljoin(base_url, reverse("billing:checkout_return")) + "?session_id={CHECKOUT_SESSION_ID}"
    params = {
        "mode": "payment",
        "customer": customer.stripe_customer_id if customer else None,
        "client_reference_id": str(charge.reference),
        "line_items": _line_items(charge=charge, lines=lines or [], base_url=base_url),
        **_shipping_params(charge),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": charge.description},
        # The card is saved only when the payer ticks Checkout's own "save this card" box; returning payers see
        # the cards they saved before.
        "saved_payment_method_options": {
            "allow_redisplay_filters": ["always", "limited", "unspecified"],
            "payment_method_save": "enabled",
        },
        "expires_at": int(expires_at.timestamp()),
        "success_url": return_url,
        "cancel_url": urljoin(base_url, reverse("billing:checkout_cancel", args=[charge.reference])),
    }
    if customer is None:
        del params["customer"], params["saved_payment_method_options"]
    return params


def charge_start_checkout(
    *, user, payable, base_url: str, success_url: str = "", cancel_url: str = ""
) -> CheckoutStart:
    """A Stripe Checkout Session for paying `payable` with a new (or Checkout-saved) card.

    `base_url` is this site's scheme and host (`request.build_absolute_uri("/")`); Stripe sends the
    payer back there. `user` None is a guest: no Stripe customer, Checkout collects the e-mail address, and
    `charge_succeeded` carries what Checkout collected (`payer_email`, `payer_name`).
    `success_url`/`cancel_url` override the payable's landing pages.

    An open session for the same payer, payable and price is handed out again rather than duplicated.
    If Stripe cannot be reached the pending charge stays and the next attempt retries it with the same
    idempotency key; if Stripe refuses the request the charge is marked failed. Either way nothing is
    paid and PaymentError carries the message for the payer.
    """
    try:
        return _start_checkout(
            user=user, payable=payable, base_url=base_url, success_url=success_url, cancel_url=cancel_url
        )
    except PaymentError as error:
        customer = Customer.objects.filter(user=user).first() if user is not None else None
        if customer is None or not customer_is_missing(error):
            raise
    customer_replace_missing(customer=customer)
    return _start_checkout(
        user=user, payable=payable, base_url=base_url, success_url=success_url, cancel_url=cancel_url
    )


def _start_checkout(*, user, payable, base_url: str, success_url: str, cancel_url: str) -> CheckoutStart:
    amount, currency, description = payable_terms(user=user, payable=payable)
    if payment_under_way(payable=payable) is not None:
        raise PaymentError(PAYMENT_UNDER_WAY_MESSAGE, code="payment_under_way")
    lines = payable_lines(payable=payable, amount=amount)
    shipping = payable_shipping(payable=payable)
    customer = customer_get_or_create(user=user) if user is not None else None
    now = timezone.now()
    open_charges = (
        Charge.objects.for_object(payable)
        .filter(user=user, method=Charge.Method.CHECKOUT, status=Charge.Status.PENDING)
        .order_by("-created_at")
    )
    charge = None
    for candidate in open_charges:
        same_terms = (
            candidate.amount == amount and candidate.currency == currency and candidate.shipping_terms == shipping
        )
        if (
            same_terms
            and candidate.checkout_url
            and candidate.checkout_expires_at
            and candidate.checkout_expires_at > now + CHECKOUT_REUSE_MARGIN
        ):
            return CheckoutStart(charge=candidate, url=candidate.checkout_url)
        if same_terms and not candidate.stripe_checkout_session_id and candidate.created_at > now - IDEMPOTENCY_WINDOW:
            charge = candidate  # an earlier attempt that never heard back from Stripe: retry it
            break
    if charge is None:
        charge = charge_create(
            user=user,
            payable=payable,
            amount=amount,
            currency=currency,
            description=description,
            method=Charge.Method.CHECKOUT,
            success_url=success_url,
            cancel_url=cancel_url,
            shipping_terms=shipping,
        )
    checkouts_close_others(user=user, payable=payable, keep=charge)
    expires_at = _checkout_expires_at()
    try:
        session = stripe_client.create_checkout_session(
            params=_checkout_params(
                charge=charge, customer=customer, base_url=base_url, expires_at=expires_at, lines=lines
            ),
            idempotency_key=f"checkout:{charge.reference}",
        )
    except PaymentError as error:
        if not error.retryable:
            Charge.objects.filter(pk=charge.pk, status=Charge.Status.PENDING).update(
                status=Charge.Status.FAILED, failure_message=error.message[:500], updated_at=timezone.now()
            )
        raise
    session_expires = session.get("expires_at")
    Charge.objects.filter(pk=charge.pk).update(
        stripe_checkout_session_id=session["id"],
        checkout_url=session.get("url") or "",
        checkout_expires_at=datetime.fromtimestamp(session_expires, tz=UTC) if session_expires else expires_at,
        updated_at=timezone.now(),
    )
    charge.refresh_from_db()
    # Whichever path opened it (the shop's checkout, a "Continue to payment" later), the payable hears of every
    # new session, so what it holds lasts as long as the session can be paid.
    payables.announce(charge_checkout_opened, charge=charge)
    return CheckoutStart(charge=charge, url=charge.checkout_url)


def checkouts_close_others(*, user, payable, keep: Charge) -> None:
    """Expires the payer's other open Checkout sessions for this payable, so only one payment can complete.

    Runs after `keep` exists, so the payable is not told "canceled" while a payment is still under way.
    If one of them turns out to be paid already, `keep` is canceled and PaymentError says so.
    """
    others = (
        Charge.objects.for_object(payable)
        .filter(user=user, method=Charge.Method.CHECKOUT, status=Charge.Status.PENDING)
        .exclude(pk=keep.pk)
    )
    paid_meanwhile = False
    for other in others:
        if other.stripe_checkout_session_id:
            paid_meanwhile |= charge_cancel_checkout(charge=other).is_paid
        else:
            charge_mark_canceled(charge_id=other.pk, reason="Replaced by a newer payment attempt.")
    if paid_meanwhile:
        # Not through charge_mark_canceled: the payable has just been paid and must not hear "canceled".
        Charge.objects.filter(pk=keep.pk, status=Charge.Status.PENDING).update(
            status=Charge.Status.CANCELED,
            canceled_at=timezone.now(),
            failure_message="Paid already through an earlier Checkout.",
        )
        raise PaymentError("You have paid for this already.", code="already_paid")


def charge_confirm_checkout_return(*, user, session_id: str) -> Charge:
    """The payer is back from Checkout: ask Stripe (never the URL) whether they paid, and fulfil if so.

    Charge.DoesNotExist when the session is not this user's (`user` None: not a guest's); PaymentError when
    Stripe is unreachable.
    """
    charge = Charge.objects.get(user=user, stripe_checkout_session_id=session_id)
    if charge.status in Charge.SETTLED_STATUSES:
        return charge
    session = stripe_client.retrieve_checkout_session(session_id)
    return charge_settle_checkout_session(session=session) or charge


def charge_cancel_checkout(*, charge: Charge) -> Charge:
    """The payer gave up on Checkout: close the session at Stripe so it cannot be paid later, then cancel.

    If Stripe says the session is already complete the charge is left for fulfilment; if Stripe cannot
    be reached the session simply expires on its own and the expiry webhook cancels the charge.
    """
    if charge.status != Charge.Status.PENDING:
        return charge
    if charge.stripe_checkout_session_id:
        try:
            session = stripe_client.expire_checkout_session(charge.stripe_checkout_session_id)
        except PaymentError as error:
            if error.retryable:
                return charge
            try:
                session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
            except PaymentError:
                return charge
        if session.get("status") == "complete" or session.get("payment_status") == "paid":
            return charge_settle_checkout_session(session=session) or charge
    return charge_mark_canceled(charge_id=charge.pk, reason="Checkout was canceled.")
