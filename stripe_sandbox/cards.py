"""Stripe's test card numbers and what Stripe answers for each, as documented at docs.stripe.com/testing."""

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class CardDecline:
    code: str
    decline_code: str | None
    message: str


GENERIC_DECLINE = CardDecline("card_declined", "generic_decline", "Your card was declined.")

DECLINES = {
    "4000000000000002": GENERIC_DECLINE,
    "4000000000009995": CardDecline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": CardDecline("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": CardDecline("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000069": CardDecline("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": CardDecline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "4000000000000119": CardDecline(
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    # Attaching succeeds, charging fails: at Checkout the payment itself is declined.
    "4000000000000341": GENERIC_DECLINE,
}

INVALID_NUMBER = CardDecline("incorrect_number", None, "Your card number is invalid.")
INCOMPLETE_NUMBER = CardDecline("incomplete_number", None, "Your card number is incomplete.")


def normalise_card_number(raw: str) -> str:
    return "".join(character for character in raw if not character.isspace() and character != "-")


def passes_luhn(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_problem(number: str) -> CardDecline | None:
    """Why Stripe would refuse this card number at Checkout, or None when it would be charged."""
    if not number.isdigit():
        return INVALID_NUMBER
    if len(number) < 16:
        return INCOMPLETE_NUMBER
    if len(number) > 16 or not passes_luhn(number):
        return INVALID_NUMBER
    return DECLINES.get(number)


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (number[:4].isdigit() and 2221 <= int(number[:4]) <= 2720):
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    return "unknown"


def card_fingerprint(number: str) -> str:
    """Stripe's `card.fingerprint`: the same for every save of one card number, different for another number."""
    return hashlib.sha256(f"sandbox-card:{number}".encode()).hexdigest()[:16]
