"""Saved cards: listed and removed through Stripe (never stored here), and paying again with one in a click."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from billing import stripe_client
from billing.models import Charge, Customer
from billing.services.charges import (
    IDEMPOTENCY_WINDOW,
    PAYMENT_UNDER_WAY_MESSAGE,
    charge_create,
    charge_metadata,
    payable_lock,
    payable_shipping,
    payable_terms,
    payment_under_way,
)
from billing.services.checkout import checkouts_close_others
from billing.services.settlement import charge_fulfil, charge_mark_failed, details_from_intent
from billing.stripe_client import PaymentError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str = ""
    created: int = 0

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


def _saved_card(payment_method: dict) -> SavedCard:
    card = payment_method.get("card") or {}
    return SavedCard(
        id=payment_method["id"],
        brand=card.get("brand") or "card",
        last4=card.get("last4") or "????",
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
        fingerprint=card.get("fingerprint") or "",
        created=int(payment_method.get("created") or 0),
    )


def _newest_first_with_duplicates(customer: Customer) -> tuple[list[SavedCard], list[SavedCard]]:
    """The customer's cards, one per card number (Stripe's `fingerprint`; the newest save wins), and the older
    saves of the same cards."""
    cards = sorted(
        (_saved_card(pm) for pm in stripe_client.list_cards(customer.stripe_customer_id)),
        key=lambda card: card.created,
        reverse=True,
    )
    kept: list[SavedCard] = []
    duplicates: list[SavedCard] = []
    seen: set[str] = set()
    for card in cards:
        if card.fingerprint and card.fingerprint in seen:
            duplicates.append(card)
            continue
        seen.add(card.fingerprint)
        kept.append(card)
    return kept, duplicates


def card_list(*, user) -> list[SavedCard]:
    """The user's saved cards, each card once, read from Stripe (we never store them). PaymentError if Stripe is
    away."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        return []
    return _newest_first_with_duplicates(customer)[0]


def cards_remove_duplicates(*, user) -> int:
    """Detaches the older saves of a card the user saved again, so the new save replaces the old one. Best effort:
    Stripe being away leaves them for next time (the list shows each card once meanwhile). How many went."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        return 0
    removed = 0
    try:
        for card in _newest_first_with_duplicates(customer)[1]:
            stripe_client.detach_payment_method(card.id)
            removed += 1
    except PaymentError as error:
        logger.warning("Duplicate cards of %s left for now (%s)", customer, error.code)
    return removed


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


def _saved_card_charge(*, user, payable, amount, currency, description, card: SavedCard) -> Charge:
    """The pending charge for this saved-card payment: an earlier attempt that never reached Stripe, or a new one.
    PaymentError when another payment for the payable is under way. The caller holds the payable's lock."""
    charge = (
        Charge.objects.for_object(payable)
        .filter(
            user=user,
            method=Charge.Method.SAVED_CARD,
            status=Charge.Status.PENDING,
            amount=amount,
            currency=currency,
            stripe_payment_method_id=card.id,
            stripe_payment_intent_id__isnull=True,
            created_at__gt=timezone.now() - IDEMPOTENCY_WINDOW,
        )
        # An attempt that ended without an answer from Stripe; one still in flight is a payment under way.
        .exclude(failure_message="")
        .first()
    )
    if payment_under_way(payable=payable, excluding=charge) is not None:
        raise PaymentError(PAYMENT_UNDER_WAY_MESSAGE, code="payment_under_way")
    if charge is not None:
        Charge.objects.filter(pk=charge.pk).update(failure_message="", updated_at=timezone.now())
    if charge is None:
        charge = charge_create(
            user=user,
            payable=payable,
            amount=amount,
            currency=currency,
            description=description,
            method=Charge.Method.SAVED_CARD,
            success_url="",
            cancel_url="",
            stripe_payment_method_id=card.id,
            card_brand=card.brand[:32],
            card_last4=card.last4[:4],
        )
    return charge


def charge_pay_with_saved_card(*, user, payable, payment_method_id: str) -> Charge:
    """Pays `payable` at once with a card saved on the user's Stripe customer (off-session, confirmed).

    Returns the charge, succeeded (fulfilled already) or, for slow payment methods, still pending.
    A decline, an expired card or a bank asking for authentication marks the charge failed and raises
    PaymentError with code `card_declined`, `expired_card`, `authentication_required`...: the page
    then offers Checkout. A network failure leaves the charge pending and a retry reuses it.
    """
    amount, currency, description = payable_terms(user=user, payable=payable)
    if payable_shipping(payable=payable):
        raise PaymentError(
            "This needs a delivery address and a shipping rate: pay with Stripe Checkout instead.",
            code="shipping_required",
        )
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise PaymentError("You have no saved cards yet. Pay with a new card instead.", code="no_saved_cards")
    card = _owned_card(customer=customer, payment_method_id=payment_method_id)
    if card.is_expired:
        raise PaymentError(stripe_client.CARD_MESSAGES["expired_card"], code="expired_card")

    with transaction.atomic():
        # One at a time per payable: of two "Pay" clicks, the second sees the first's charge and is refused.
        payable_lock(payable)
        charge = _saved_card_charge(
            user=user, payable=payable, amount=amount, currency=currency, description=description, card=card
        )
    checkouts_close_others(user=user, payable=payable, keep=charge)
    params = {
        "amount": amount,
        "currency": currency,
        "customer": customer.stripe_customer_id,
        "payment_method": payment_method_id,
        "payment_method_types": ["card"],
        "description": description,
        "off_session": True,
        "confirm": True,
        "metadata": charge_metadata(charge),
    }
    try:
        intent = stripe_client.create_payment_intent(params=params, idempotency_key=f"saved-card:{charge.reference}")
    except PaymentError as error:
        if not error.retryable:
            charge_mark_failed(charge_id=charge.pk, message=error.message, payment_intent_id=error.payment_intent_id)
        else:
            # No longer in flight: a retry may take this charge (and its idempotency key) up again.
            Charge.objects.filter(pk=charge.pk, status=Charge.Status.PENDING).update(
                failure_message=error.message[:500], updated_at=timezone.now()
            )
        raise
    Charge.objects.filter(pk=charge.pk, stripe_payment_intent_id__isnull=True).update(
        stripe_payment_intent_id=intent["id"], updated_at=timezone.now()
    )
    status = intent.get("status")
    if status == "succeeded":
        charge, _ = charge_fulfil(charge_id=charge.pk, details=details_from_intent(intent))
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
