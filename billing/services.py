"""Writes for billing: customers, starting and confirming payments, cancellations, refunds, cards.

Stripe is always called outside any transaction that holds a row lock: the ledger row is written (or
read) first in its own short transaction, Stripe is called, and the result is written in another.
Fulfilment is the one place that locks a charge, and it calls no one but the payable's hook.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import payables, stripe_client
from billing.models import Charge, Customer
from billing.money import MoneyError, format_amount, normalise_currency, to_stripe_amount
from billing.signals import charge_canceled, charge_disputed, charge_refunded, charge_succeeded
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)

# Stripe keeps idempotency keys for 24 hours; a pending charge older than this gets a fresh attempt.
IDEMPOTENCY_WINDOW = timedelta(hours=23)
# An open Checkout Session closer than this to expiring is not handed out again.
CHECKOUT_REUSE_MARGIN = timedelta(minutes=5)


class LedgerNotReady(Exception):
    """An event arrived before the one it depends on (a refund before the payment); Stripe should retry."""


@dataclass(frozen=True)
class CheckoutStart:
    charge: Charge
    url: str


@dataclass(frozen=True)
class PaymentDetails:
    """What Stripe tells us about a successful payment; any of it may be unknown."""

    payment_intent_id: str = ""
    stripe_charge_id: str = ""
    checkout_session_id: str = ""
    card_brand: str = ""
    card_last4: str = ""
    receipt_url: str = ""


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @property
    def label(self) -> str:
        return f"{self.brand.title()} •••• {self.last4}"

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year}"

    @property
    def is_expired(self) -> bool:
        today = timezone.now().date()
        return (self.exp_year, self.exp_month) < (today.year, today.month)


# --- Customers ------------------------------------------------------------------------------------


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


# --- Starting payments ----------------------------------------------------------------------------


def _payable_terms(*, user, payable) -> tuple[int, str, str]:
    """The amount, currency and description, read from the payable on the server, or PaymentError."""
    if not payables.is_registered(payable):
        raise PaymentError("This cannot be paid for here.", code="not_payable")
    if not user.is_authenticated or not payable.can_be_paid_by(user):
        raise PaymentError("This is not yours to pay, or it no longer needs paying.", code="not_payable")
    try:
        currency = normalise_currency(payable.payment_currency())
        amount = to_stripe_amount(payable.payment_amount(), currency)
    except MoneyError as error:
        logger.error("Payable %s has an unusable price: %s", payable, error)
        raise PaymentError("This cannot be paid for right now.", code="invalid_amount") from error
    description = (payable.payment_description() or str(payable))[:255]
    return amount, currency, description


def _metadata(charge: Charge) -> dict:
    return {
        "charge_id": str(charge.pk),
        "charge_reference": str(charge.reference),
        "payable": f"{charge.content_type.app_label}.{charge.content_type.model}:{charge.object_id}",
        "user_id": str(charge.user_id or ""),
    }


def _new_charge(*, user, payable, amount, currency, description, method, success_url, cancel_url, **extra) -> Charge:
    return Charge.objects.create(
        user=user,
        payable=payable,
        amount=amount,
        currency=currency,
        description=description,
        method=method,
        success_url=success_url or payable.payment_success_url() or "",
        cancel_url=cancel_url or payable.payment_cancel_url() or "",
        **extra,
    )


def _checkout_expires_at() -> datetime:
    minutes = min(max(int(settings.BILLING_CHECKOUT_EXPIRY_MINUTES), 30), 24 * 60)
    # A minute's margin so clock skew never puts us under Stripe's 30-minute minimum.
    margin = timedelta(minutes=1) if minutes == 30 else timedelta()
    return (timezone.now() + timedelta(minutes=minutes) + margin).replace(microsecond=0)


def _checkout_params(*, charge: Charge, customer: Customer, base_url: str, expires_at: datetime) -> dict:
    metadata = _metadata(charge)
    return_url = urljoin(base_url, reverse("billing:checkout_return")) + "?session_id={CHECKOUT_SESSION_ID}"
    return {
        "mode": "payment",
        "customer": customer.stripe_customer_id,
        "client_reference_id": str(charge.reference),
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": charge.currency,
                    "unit_amount": charge.amount,
                    "product_data": {"name": charge.description},
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": charge.description,
            # Saves the card on the customer so the next payment is one click.
            "setup_future_usage": "off_session",
        },
        # Returning customers see the cards they saved here before.
        "saved_payment_method_options": {"allow_redisplay_filters": ["always", "limited", "unspecified"]},
        "expires_at": int(expires_at.timestamp()),
        "success_url": return_url,
        "cancel_url": urljoin(base_url, reverse("billing:checkout_cancel", args=[charge.reference])),
    }


def customer_replace_missing(*, customer: Customer) -> Customer:
    """Stripe says this customer does not exist (deleted in the Dashboard, a wiped test account): start afresh."""
    logger.warning(
        "Stripe customer %s of user %s is gone; creating a new one", customer.stripe_customer_id, customer.user_id
    )
    Customer.objects.filter(pk=customer.pk).delete()
    return customer_get_or_create(user=customer.user, replacing=customer.stripe_customer_id)


def _customer_is_missing(error: PaymentError) -> bool:
    return error.code in ("resource_missing", "not_found") and error.param == "customer"


def charge_start_checkout(
    *, user, payable, base_url: str, success_url: str = "", cancel_url: str = ""
) -> CheckoutStart:
    """A Stripe Checkout Session for paying `payable` with a new (or Checkout-saved) card.

    `base_url` is this site's scheme and host (`request.build_absolute_uri("/")`); Stripe sends the
    payer back there. `success_url`/`cancel_url` override the payable's landing pages.

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
        customer = Customer.objects.filter(user=user).first()
        if customer is None or not _customer_is_missing(error):
            raise
    customer_replace_missing(customer=customer)
    return _start_checkout(
        user=user, payable=payable, base_url=base_url, success_url=success_url, cancel_url=cancel_url
    )


def _start_checkout(*, user, payable, base_url: str, success_url: str, cancel_url: str) -> CheckoutStart:
    amount, currency, description = _payable_terms(user=user, payable=payable)
    customer = customer_get_or_create(user=user)
    now = timezone.now()
    open_charges = (
        Charge.objects.for_object(payable)
        .filter(user=user, method=Charge.Method.CHECKOUT, status=Charge.Status.PENDING)
        .order_by("-created_at")
    )
    charge = None
    for candidate in open_charges:
        same_terms = candidate.amount == amount and candidate.currency == currency
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
        charge = _new_charge(
            user=user,
            payable=payable,
            amount=amount,
            currency=currency,
            description=description,
            method=Charge.Method.CHECKOUT,
            success_url=success_url,
            cancel_url=cancel_url,
        )
    _close_other_checkouts(user=user, payable=payable, keep=charge)
    expires_at = _checkout_expires_at()
    try:
        session = stripe_client.create_checkout_session(
            params=_checkout_params(charge=charge, customer=customer, base_url=base_url, expires_at=expires_at),
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
    return CheckoutStart(charge=charge, url=charge.checkout_url)


def _close_other_checkouts(*, user, payable, keep: Charge) -> None:
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


def charge_pay_with_saved_card(*, user, payable, payment_method_id: str) -> Charge:
    """Pays `payable` at once with a card saved on the user's Stripe customer (off-session, confirmed).

    Returns the charge, succeeded (fulfilled already) or, for slow payment methods, still pending.
    A decline, an expired card or a bank asking for authentication marks the charge failed and raises
    PaymentError with code `card_declined`, `expired_card`, `authentication_required`...: the page
    then offers Checkout. A network failure leaves the charge pending and a retry reuses it.
    """
    amount, currency, description = _payable_terms(user=user, payable=payable)
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise PaymentError("You have no saved cards yet. Pay with a new card instead.", code="no_saved_cards")
    card = _owned_card(customer=customer, payment_method_id=payment_method_id)
    if card.is_expired:
        raise PaymentError(stripe_client.CARD_MESSAGES["expired_card"], code="expired_card")

    now = timezone.now()
    charge = (
        Charge.objects.for_object(payable)
        .filter(
            user=user,
            method=Charge.Method.SAVED_CARD,
            status=Charge.Status.PENDING,
            amount=amount,
            currency=currency,
            stripe_payment_method_id=payment_method_id,
            stripe_payment_intent_id__isnull=True,
            created_at__gt=now - IDEMPOTENCY_WINDOW,
        )
        .first()
    )
    if charge is None:
        charge = _new_charge(
            user=user,
            payable=payable,
            amount=amount,
            currency=currency,
            description=description,
            method=Charge.Method.SAVED_CARD,
            success_url="",
            cancel_url="",
            stripe_payment_method_id=payment_method_id,
            card_brand=card.brand[:32],
            card_last4=card.last4[:4],
        )
    _close_other_checkouts(user=user, payable=payable, keep=charge)
    params = {
        "amount": amount,
        "currency": currency,
        "customer": customer.stripe_customer_id,
        "payment_method": payment_method_id,
        "payment_method_types": ["card"],
        "description": description,
        "off_session": True,
        "confirm": True,
        "metadata": _metadata(charge),
    }
    try:
        intent = stripe_client.create_payment_intent(params=params, idempotency_key=f"saved-card:{charge.reference}")
    except PaymentError as error:
        if not error.retryable:
            charge_mark_failed(charge_id=charge.pk, message=error.message, payment_intent_id=error.payment_intent_id)
        raise
    Charge.objects.filter(pk=charge.pk, stripe_payment_intent_id__isnull=True).update(
        stripe_payment_intent_id=intent["id"], updated_at=timezone.now()
    )
    status = intent.get("status")
    if status == "succeeded":
        charge, _ = charge_fulfil(charge_id=charge.pk, details=_details_from_intent(intent))
        return charge
    if status == "processing":
        charge.refresh_from_db()
        return charge
    # requires_action / requires_payment_method: the bank wants the cardholder present. Cancel the
    # intent so it can never complete behind the ledger's back; the payer goes through Checkout.
    message = stripe_client.CARD_MESSAGES["authentication_required"]
    charge_mark_failed(charge_id=charge.pk, message=message, payment_intent_id=intent["id"])
    try:
        stripe_client.cancel_payment_intent(intent["id"])
    except PaymentError:
        logger.warning("Could not cancel payment intent %s awaiting authentication", intent["id"])
    raise PaymentError(message, code="authentication_required", payment_intent_id=intent["id"])


# --- Cards ----------------------------------------------------------------------------------------


def _saved_card(payment_method: dict) -> SavedCard:
    card = payment_method.get("card") or {}
    return SavedCard(
        id=payment_method["id"],
        brand=card.get("brand") or "card",
        last4=card.get("last4") or "????",
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
    )


def card_list(*, user) -> list[SavedCard]:
    """The user's saved cards, read from Stripe (we never store them). PaymentError if Stripe is away."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        return []
    return [_saved_card(pm) for pm in stripe_client.list_cards(customer.stripe_customer_id)]


def _owned_card(*, customer: Customer, payment_method_id: str) -> SavedCard:
    not_found = PaymentError("That card is not one of your saved cards.", code="card_not_found")
    if not payment_method_id or not payment_method_id.startswith(("pm_", "card_")):
        raise not_found
    try:
        payment_method = stripe_client.retrieve_payment_method(payment_method_id)
    except PaymentError as error:
        if error.code == "not_found" or error.code == "resource_missing":
            raise not_found from error
        raise
    owner = payment_method.get("customer")
    owner_id = owner.get("id") if isinstance(owner, dict) else owner
    if owner_id != customer.stripe_customer_id or payment_method.get("type", "card") != "card":
        raise not_found
    return _saved_card(payment_method)


def card_remove(*, user, payment_method_id: str) -> SavedCard:
    """Detaches one of the user's cards from their Stripe customer; another user's card is not found."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise PaymentError("That card is not one of your saved cards.", code="card_not_found")
    card = _owned_card(customer=customer, payment_method_id=payment_method_id)
    stripe_client.detach_payment_method(payment_method_id)
    return card


# --- Confirming payments --------------------------------------------------------------------------


def charge_fulfil(*, charge_id: int, details: PaymentDetails) -> tuple[Charge, bool]:
    """Marks the charge paid and tells its payable, exactly once, however often and from wherever called.

    The charge row is locked, so of two concurrent callers the second waits and then sees the charge
    settled. The payable's hook and the `charge_succeeded` signal run in the same transaction: if they
    raise, nothing is recorded and the caller (a webhook) fails so Stripe tries again.
    Returns (charge, fulfilled_now).
    """
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status in Charge.SETTLED_STATUSES:
            _fill_missing_details(charge, details)
            return charge, False
        charge.status = Charge.Status.SUCCEEDED
        charge.paid_at = timezone.now()
        charge.failure_message = ""
        _fill_missing_details(charge, details, save=False)
        charge.save()
        payable = payables.payable_for_charge(charge)
        payables.call_hook(payable, "on_charge_succeeded", charge)
        charge_succeeded.send(sender=Charge, charge=charge, payable=payable)
    logger.info("Charge %s paid: %s for %s", charge.reference, charge.display_amount, charge.description)
    return charge, True


def _fill_missing_details(charge: Charge, details: PaymentDetails, *, save: bool = True) -> None:
    changed = []
    for field, value in (
        ("stripe_payment_intent_id", details.payment_intent_id),
        ("stripe_charge_id", details.stripe_charge_id),
        ("stripe_checkout_session_id", details.checkout_session_id),
        ("card_brand", details.card_brand[:32]),
        ("card_last4", details.card_last4[:4]),
        ("receipt_url", details.receipt_url),
    ):
        if value and not getattr(charge, field):
            setattr(charge, field, value)
            changed.append(field)
    if changed and save:
        charge.save(update_fields=[*changed, "updated_at"])


def _details_from_charge_object(stripe_charge: dict) -> dict:
    card = (stripe_charge.get("payment_method_details") or {}).get("card") or {}
    return {
        "stripe_charge_id": stripe_charge.get("id") or "",
        "card_brand": card.get("brand") or "",
        "card_last4": card.get("last4") or "",
        "receipt_url": stripe_charge.get("receipt_url") or "",
    }


def _details_from_intent(intent: dict, *, checkout_session_id: str = "") -> PaymentDetails:
    """Card and receipt details for a payment intent; best effort, as fulfilment must not wait on them."""
    found = {"payment_intent_id": intent.get("id") or "", "checkout_session_id": checkout_session_id}
    latest = intent.get("latest_charge")
    try:
        if isinstance(latest, str) and latest:
            latest = stripe_client.retrieve_charge(latest)
        if isinstance(latest, dict):
            found.update(_details_from_charge_object(latest))
        payment_method = intent.get("payment_method")
        if not found.get("card_last4") and isinstance(payment_method, str) and payment_method:
            card = (stripe_client.retrieve_payment_method(payment_method).get("card")) or {}
            found.update(card_brand=card.get("brand") or "", card_last4=card.get("last4") or "")
    except PaymentError as error:
        logger.warning("Card details for %s unavailable for now (%s)", intent.get("id"), error.code)
    return PaymentDetails(**found)


def _details_for_payment_intent_id(payment_intent_id: str, *, checkout_session_id: str = "") -> PaymentDetails:
    try:
        intent = stripe_client.retrieve_payment_intent(payment_intent_id)
    except PaymentError as error:
        logger.warning("Payment intent %s unavailable for now (%s)", payment_intent_id, error.code)
        return PaymentDetails(payment_intent_id=payment_intent_id, checkout_session_id=checkout_session_id)
    return _details_from_intent(intent, checkout_session_id=checkout_session_id)


def _charge_from_stripe_object(obj: dict, *, id_field: str | None = None) -> Charge | None:
    reference = (obj.get("metadata") or {}).get("charge_reference") or obj.get("client_reference_id")
    if reference:
        try:
            uuid.UUID(str(reference))
        except ValueError:
            reference = None
    if reference:
        charge = Charge.objects.filter(reference=reference).first()
        if charge:
            return charge
    if id_field and obj.get("id"):
        return Charge.objects.filter(**{id_field: obj["id"]}).first()
    return None


def _check_terms(charge: Charge, *, amount, currency, source: str) -> None:
    if amount is None:
        return
    if int(amount) != charge.amount or (currency or "").lower() != charge.currency:
        # Amounts come from our server, so a mismatch means something is badly wrong: stop and shout.
        raise ValidationError(
            f"{source} is for {amount} {currency}, but charge {charge.reference} is {charge.amount} {charge.currency}."
        )


def charge_settle_checkout_session(*, session: dict) -> Charge | None:
    """Fulfils the charge behind a Checkout Session if the session says it is paid; None if not ours."""
    charge = _charge_from_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        logger.warning("Checkout session %s names no charge of ours", session.get("id"))
        return None
    _check_terms(charge, amount=session.get("amount_total"), currency=session.get("currency"), source="Session")
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return charge
    payment_intent = session.get("payment_intent")
    payment_intent_id = payment_intent.get("id") if isinstance(payment_intent, dict) else (payment_intent or "")
    if charge.status in Charge.SETTLED_STATUSES and charge.card_last4:
        return charge  # nothing left to learn; no need to ask Stripe again
    details = (
        _details_for_payment_intent_id(payment_intent_id, checkout_session_id=session.get("id") or "")
        if payment_intent_id
        else PaymentDetails(checkout_session_id=session.get("id") or "")
    )
    charge, _ = charge_fulfil(charge_id=charge.pk, details=details)
    return charge


def charge_settle_payment_intent(*, intent: dict) -> Charge | None:
    """Fulfils the charge behind a succeeded payment intent; None if not ours."""
    charge = _charge_from_stripe_object(intent, id_field="stripe_payment_intent_id")
    if charge is None:
        return None
    _check_terms(charge, amount=intent.get("amount"), currency=intent.get("currency"), source="Payment intent")
    if intent.get("status") != "succeeded":
        return charge
    if charge.status in Charge.SETTLED_STATUSES and charge.card_last4:
        return charge
    charge, _ = charge_fulfil(charge_id=charge.pk, details=_details_from_intent(intent))
    return charge


def charge_confirm_checkout_return(*, user, session_id: str) -> Charge:
    """The payer is back from Checkout: ask Stripe (never the URL) whether they paid, and fulfil if so.

    Charge.DoesNotExist when the session is not this user's; PaymentError when Stripe is unreachable.
    """
    charge = Charge.objects.get(user=user, stripe_checkout_session_id=session_id)
    if charge.status in Charge.SETTLED_STATUSES:
        return charge
    session = stripe_client.retrieve_checkout_session(session_id)
    return charge_settle_checkout_session(session=session) or charge


def _another_payment_under_way(charge: Charge) -> bool:
    return (
        Charge.objects.filter(
            content_type_id=charge.content_type_id, object_id=charge.object_id, status=Charge.Status.PENDING
        )
        .exclude(pk=charge.pk)
        .exists()
    )


def _tell_canceled(charge: Charge) -> None:
    """`on_charge_canceled` and `charge_canceled`, unless another payment for the payable is under way
    (a newer Checkout replacing this one): the payable hears only when nothing is left pending."""
    if _another_payment_under_way(charge):
        return
    payable = payables.payable_for_charge(charge)
    payables.call_hook(payable, "on_charge_canceled", charge)
    charge_canceled.send(sender=Charge, charge=charge, payable=payable)


def charge_mark_failed(*, charge_id: int, message: str, payment_intent_id: str | None = None) -> Charge:
    """A pending charge whose payment did not go through; the payable hears `on_charge_canceled`."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status != Charge.Status.PENDING:
            return charge
        charge.status = Charge.Status.FAILED
        charge.failure_message = (message or "")[:500]
        if payment_intent_id and not charge.stripe_payment_intent_id:
            charge.stripe_payment_intent_id = payment_intent_id
        charge.save()
        _tell_canceled(charge)
    return charge


def charge_record_payment_failure(*, intent: dict) -> Charge | None:
    """A payment attempt failed. Checkout lets the payer try another card, so only saved-card charges fail."""
    charge = _charge_from_stripe_object(intent, id_field="stripe_payment_intent_id")
    if charge is None or charge.status != Charge.Status.PENDING:
        return charge
    error = intent.get("last_payment_error") or {}
    message = error.get("message") or "The payment was declined."
    if charge.method == Charge.Method.SAVED_CARD:
        return charge_mark_failed(charge_id=charge.pk, message=message, payment_intent_id=intent.get("id"))
    Charge.objects.filter(pk=charge.pk).update(failure_message=message[:500], updated_at=timezone.now())
    charge.refresh_from_db()
    return charge


def charge_mark_canceled(*, charge_id: int, reason: str = "") -> Charge:
    """A pending charge that will never be paid (Checkout expired or abandoned); tells the payable once."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status not in (Charge.Status.PENDING, Charge.Status.FAILED):
            return charge
        was_pending = charge.status == Charge.Status.PENDING
        charge.status = Charge.Status.CANCELED
        charge.canceled_at = timezone.now()
        if reason:
            charge.failure_message = reason[:500]
        charge.save()
        if was_pending:
            _tell_canceled(charge)
    return charge


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


def charge_fail_checkout_session(*, session: dict) -> Charge | None:
    """A Checkout payment by a slow method (bank debit) failed after the payer left."""
    charge = _charge_from_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        return None
    return charge_mark_failed(charge_id=charge.pk, message="The bank did not complete the payment.")


def charge_expire_checkout_session(*, session: dict) -> Charge | None:
    charge = _charge_from_stripe_object(session, id_field="stripe_checkout_session_id")
    if charge is None:
        return None
    return charge_mark_canceled(charge_id=charge.pk, reason="Checkout expired before payment.")


# --- Refunds and disputes -------------------------------------------------------------------------


def _charge_for_stripe_charge(stripe_charge: dict) -> Charge | None:
    charge = None
    if stripe_charge.get("id"):
        charge = Charge.objects.filter(stripe_charge_id=stripe_charge["id"]).first()
    payment_intent = stripe_charge.get("payment_intent")
    if charge is None and payment_intent:
        pi_id = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
        charge = Charge.objects.filter(stripe_payment_intent_id=pi_id).first()
    return charge or _charge_from_stripe_object(stripe_charge)


def charge_apply_refund(*, stripe_charge: dict) -> Charge | None:
    """Brings the ledger in line with Stripe's refunded total for a charge; tells the payable if it grew.

    Stripe's `amount_refunded` is a running total, so replays and out-of-order events change nothing.
    """
    charge = _charge_for_stripe_charge(stripe_charge)
    if charge is None:
        logger.warning("Refund for Stripe charge %s, which is not ours", stripe_charge.get("id"))
        return None
    total = int(stripe_charge.get("amount_refunded") or 0)
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status not in Charge.SETTLED_STATUSES:
            raise LedgerNotReady(f"Charge {charge.reference} was refunded before we recorded its payment.")
        if total <= charge.amount_refunded:
            return charge
        refunded_now = min(total, charge.amount) - charge.amount_refunded
        charge.amount_refunded = min(total, charge.amount)
        charge.refunded_at = timezone.now()
        if not charge.stripe_charge_id and stripe_charge.get("id"):
            charge.stripe_charge_id = stripe_charge["id"]
        if charge.status != Charge.Status.DISPUTED:
            fully = charge.amount_refunded >= charge.amount
            charge.status = Charge.Status.REFUNDED if fully else Charge.Status.PARTIALLY_REFUNDED
        charge.save()
        payable = payables.payable_for_charge(charge)
        payables.call_hook(payable, "on_charge_refunded", charge)
        charge_refunded.send(sender=Charge, charge=charge, payable=payable, amount=refunded_now)
    logger.info("Charge %s refunded %s", charge.reference, format_amount(refunded_now, charge.currency))
    return charge


def charge_apply_dispute(*, dispute: dict) -> Charge | None:
    stripe_charge = dispute.get("charge")
    charge = _charge_for_stripe_charge(
        {
            "id": stripe_charge.get("id") if isinstance(stripe_charge, dict) else stripe_charge,
            "payment_intent": dispute.get("payment_intent"),
        }
    )
    if charge is None:
        logger.warning("Dispute %s on a charge that is not ours", dispute.get("id"))
        return None
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status not in Charge.SETTLED_STATUSES:
            raise LedgerNotReady(f"Charge {charge.reference} was disputed before we recorded its payment.")
        if charge.status == Charge.Status.DISPUTED:
            return charge
        charge.status = Charge.Status.DISPUTED
        charge.disputed_at = timezone.now()
        charge.save()
        payable = payables.payable_for_charge(charge)
        payables.call_hook(payable, "on_charge_disputed", charge)
        charge_disputed.send(sender=Charge, charge=charge, payable=payable)
    logger.warning("Charge %s disputed (%s)", charge.reference, dispute.get("reason") or "no reason given")
    return charge


def charge_refund(*, charge: Charge, amount: int | None = None) -> dict:
    """Refunds `amount` minor units (all that is left when None) through Stripe; never more than is left.

    The ledger follows Stripe's totals: read back at once when Stripe answers, and again from the
    `charge.refunded` webhook. Pressing the button twice with the same amount makes one refund.
    """
    charge.refresh_from_db()
    if charge.status not in Charge.PAID_STATUSES or not charge.stripe_payment_intent_id:
        raise PaymentError("Only a paid charge can be refunded.", code="not_refundable")
    remaining = charge.amount - charge.amount_refunded
    amount = remaining if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PaymentError("A refund must be more than zero.", code="invalid_amount")
    if amount > remaining:
        raise PaymentError(
            f"At most {format_amount(remaining, charge.currency)} is left to refund on this charge.",
            code="over_refund",
        )
    try:
        refund = stripe_client.create_refund(
            params={
                "payment_intent": charge.stripe_payment_intent_id,
                "amount": amount,
                "metadata": {"charge_reference": str(charge.reference)},
            },
            idempotency_key=f"refund:{charge.reference}:{charge.amount_refunded}:{amount}",
        )
    except PaymentError as error:
        if error.retryable or error.code in ("authentication", "not_configured"):
            raise
        raise PaymentError(
            "Stripe refused this refund, so nothing was refunded. It may be more than Stripe has left to refund.",
            code=error.code,
        ) from error
    stripe_charge_id = refund.get("charge")
    if isinstance(stripe_charge_id, dict):
        stripe_charge_id = stripe_charge_id.get("id")
    if stripe_charge_id:
        try:
            charge_apply_refund(stripe_charge=stripe_client.retrieve_charge(stripe_charge_id))
        except PaymentError:
            logger.info("Refund %s made; the ledger will follow the charge.refunded webhook", refund.get("id"))
    return refund


# --- Housekeeping ---------------------------------------------------------------------------------


def charges_close_abandoned(*, now: datetime | None = None) -> dict[str, int]:
    """Settles pending charges Stripe has stopped waiting on, in case their webhook never came.

    Checkout charges past their session's expiry are checked with Stripe: paid ones are fulfilled,
    expired ones canceled, and those Stripe cannot be asked about now are left for the next run.
    Charges that never got a session or a payment intent within Stripe's idempotency window are
    canceled. Safe to run at any time, as often as wanted (the scheduler and a command both call it).
    """
    now = now or timezone.now()
    counts = {"fulfilled": 0, "canceled": 0, "left": 0}
    overdue = Charge.objects.pending().filter(
        method=Charge.Method.CHECKOUT, checkout_expires_at__lt=now - timedelta(minutes=5)
    )
    for charge in overdue.exclude(stripe_checkout_session_id=None):
        try:
            session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
        except PaymentError:
            counts["left"] += 1
            continue
        if session.get("payment_status") in ("paid", "no_payment_required"):
            charge_settle_checkout_session(session=session)
            counts["fulfilled"] += 1
        elif session.get("status") == "expired":
            charge_mark_canceled(charge_id=charge.pk, reason="Checkout expired before payment.")
            counts["canceled"] += 1
        else:
            counts["left"] += 1
    never_started = Charge.objects.pending().filter(
        stripe_checkout_session_id=None, stripe_payment_intent_id=None, created_at__lt=now - IDEMPOTENCY_WINDOW
    )
    for charge in never_started:
        charge_mark_canceled(charge_id=charge.pk, reason="The payment never reached Stripe.")
        counts["canceled"] += 1
    return counts
