"""Money for the whole site: an integer amount in Stripe's unit plus an ISO 4217 code.

The one money module: the shop, the job board, billing and the templates all use it.

- Stored amounts are in the unit Stripe's `amount` takes for the currency (cents for USD, yen for JPY, hundredths of
  a króna for ISK), so they go to Stripe as they are. Stripe's exponents are the `STRIPE_*` sets below, copied from
  Stripe's page; everything else comes from CLDR through Babel.
- Amounts shown to people, and amounts people type, use CLDR's number of decimals for the currency
  (`babel.numbers.get_currency_precision`) and the site's locale (`settings.LANGUAGE_CODE`).

No floats anywhere.
"""

import copy
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, get_currency_symbol, parse_pattern
from django.conf import settings
from django.utils.translation import to_locale

# The currencies a price or a salary may be set in (the shop's and the job board's).
CURRENCY_CHOICES = [
    ("USD", "US dollar (USD)"),
    ("EUR", "Euro (EUR)"),
    ("GBP", "Pound sterling (GBP)"),
    ("CAD", "Canadian dollar (CAD)"),
    ("AUD", "Australian dollar (AUD)"),
    ("CHF", "Swiss franc (CHF)"),
    ("JPY", "Japanese yen (JPY)"),
]

# --- Stripe's exceptions, from https://docs.stripe.com/currencies ---------------------------------------------------
# Every currency is two-decimal for Stripe ("1000 to charge 10 USD") except these.
#
# "Zero-decimal currencies": "the charge and the amount are the same, without requiring multiplication" (500 JPY is
# `amount` 500). The page lists UGX here too, but its "Special cases" table says otherwise (below), and that is the
# rule we follow.
STRIPE_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
# "Three-decimal currencies": supported, but "these API calls require the least-significant (last) digit to be 0.
# Your integration must round amounts to the nearest ten" (5.124 KWD must be sent as 5120 or 5130).
STRIPE_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# "Special cases":
# - ISK "transitioned to a zero-decimal currency, but backward compatibility requires you to represent it as a
#   two-decimal value, where the decimal amount is always 00. For example, to charge 5 ISK, provide an amount value of
#   500. You can't charge fractions of ISK." UGX: the same words ("to charge 5 UGX, provide an amount value of 500.
#   You can't charge fractions of UGX"). So both are stored in hundredths, and an amount must be a multiple of 100.
#   CLDR shows both with no decimals.
# - HUF and TWD: "Stripe treats HUF [TWD] as a zero-decimal currency for payouts, even though you can charge
#   two-decimal amounts"; a manual payout must be a multiple of 100. We only charge and refund, so both are plain
#   two-decimal currencies here. CLDR shows TWD with 2 decimals and HUF with none.
STRIPE_WHOLE_UNITS_IN_HUNDREDTHS = frozenset({"isk", "ugx"})


# "Minimum and maximum charge amounts" (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts), in
# stored units: Stripe refuses a charge for less. Currencies not listed here are held to one minor unit.
STRIPE_MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500, "dkk": 250,
    "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300,
    "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
# Stripe's largest `amount` (eight digits): $999,999.99.
STRIPE_MAXIMUM_AMOUNT = 99_999_999


def minimum_charge(currency: str) -> int:
    """The least Stripe charges in the currency, in stored units: 50 for USD ($0.50), 50 for JPY (¥50)."""
    code = normalise_currency(currency)
    return STRIPE_MINIMUM_CHARGE.get(code, 100 if code in STRIPE_WHOLE_UNITS_IN_HUNDREDTHS else 1)


# No amount here comes near this (Stripe's own ceiling is 99,999,999 minor units); anything longer is a typo or an
# attack, and refusing it before any arithmetic keeps Decimal's context limits (InvalidOperation) out of reach.
MAX_DIGITS = 15


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message is fit to show."""


def normalise_currency(currency: str) -> str:
    """ "USD", " usd " → "usd" (Stripe's spelling); anything that is not three ASCII letters is refused."""
    code = (currency or "").strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise MoneyError(f"“{currency}” is not a three-letter currency code.")
    return code


def currency_exponent(currency: str) -> int:
    """Decimal places of the stored unit, which is Stripe's: 2 for USD and ISK, 0 for JPY, 3 for KWD."""
    code = normalise_currency(currency)
    if code in STRIPE_WHOLE_UNITS_IN_HUNDREDTHS:
        return 2
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def display_precision(currency: str) -> int:
    """Decimals people see and may type: CLDR's for the currency (0 for ISK, 2 for USD), never more than stored."""
    return min(get_currency_precision(normalise_currency(currency).upper()), currency_exponent(currency))


def to_decimal(amount: int, currency: str) -> Decimal:
    """A stored amount in major units, exact: 12345 usd → Decimal("123.45"); 1500 jpy → Decimal("1500");
    125000 isk → Decimal("1250"). It has the currency's displayed decimals unless that would drop a fraction."""
    _check_minor_units(amount)
    exponent = currency_exponent(currency)
    value = Decimal(amount).scaleb(-exponent)
    shown = Decimal(1).scaleb(-display_precision(currency))
    if value == value.quantize(shown):
        return value.quantize(shown)
    return value.quantize(Decimal(1).scaleb(-exponent))


def format_amount(amount: int, currency: str, *, whole: bool = False) -> str:
    """A stored amount for people, in the site's locale: "$12.50", "¥1,500", "CHF 1,250.00", "ISK 1,250" (the space
    is a no-break space, as CLDR asks between a letter symbol and the digits). `whole=True` drops a zero fraction
    ("$130,000" for a salary) and keeps any other ("$12.50")."""
    return _formatted_amount(amount, currency, whole, settings.LANGUAGE_CODE)


# A pure function of its arguments (the locale among them) that Babel makes slow: a listing of 24 jobs formats 48
# salaries, mostly the same few. Bounded; `typed` keeps True apart from 1.
@lru_cache(maxsize=4096, typed=True)
def _formatted_amount(amount: int, currency: str, whole: bool, language_code: str) -> str:
    value = to_decimal(amount, currency)
    if whole and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    code = normalise_currency(currency).upper()
    pattern = _currency_pattern(language_code, code, -value.as_tuple().exponent)
    return pattern.apply(value, _locale(language_code), currency=code, currency_digits=False)


def parse_amount(text: str, currency: str) -> int:
    """What a person typed ("12.5", "1,500") → the stored amount; more decimals than the currency shows is an error."""
    code = normalise_currency(currency)
    cleaned = (text or "").strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"“{text}” is not an amount.") from None
    if not value.is_finite():
        raise MoneyError(f"“{text}” is not an amount.")
    if value.adjusted() >= MAX_DIGITS - currency_exponent(code):
        raise MoneyError(f"“{text}” is too large an amount.")
    places = display_precision(code)
    if value and value.adjusted() < -places:
        allowed = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise MoneyError(f"{code.upper()} amounts have {allowed}.")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        allowed = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise MoneyError(f"{code.upper()} amounts have {allowed}.")
    return int(value.scaleb(currency_exponent(code)))


def to_stripe_amount(amount: int, currency: str) -> int:
    """A stored amount as Stripe's `amount` (the same number), refusing what Stripe would refuse anyway."""
    _check_minor_units(amount)
    code = normalise_currency(currency)
    if amount <= 0:
        raise MoneyError("The amount must be more than zero.")
    if code in STRIPE_THREE_DECIMAL and amount % 10:
        raise MoneyError(f"{code.upper()} amounts must end in 0 for card payments.")
    if code in STRIPE_WHOLE_UNITS_IN_HUNDREDTHS and amount % 100:
        raise MoneyError(f"{code.upper()} amounts must be whole {code.upper()}.")
    return amount


def _check_minor_units(amount) -> None:
    # bool is an int subclass; True must not pass as one cent.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MoneyError(f"Amounts are whole minor units, not {type(amount).__name__}.")


@lru_cache(maxsize=8)
def _locale(language_code: str) -> Locale:
    return Locale.parse(to_locale(language_code))


# A symbol touching the digits: "¤" just before or just after a digit placeholder of the pattern.
_SYMBOL_BEFORE_DIGITS = re.compile(r"¤(?=[#0-9])")
_SYMBOL_AFTER_DIGITS = re.compile(r"(?<=[#0-9])¤")


@lru_cache(maxsize=64)
def _currency_pattern(language_code: str, code: str, digits: int) -> NumberPattern:
    """The locale's standard currency pattern showing `digits` decimals, with CLDR's currency spacing, which Babel
    does not apply: a no-break space between the digits and a symbol whose touching character is not itself a symbol
    ("CHF 12.50", "$12.50")."""
    locale = _locale(language_code)
    pattern = locale.currency_formats["standard"].pattern
    symbol = get_currency_symbol(code, locale)
    if _needs_space(symbol[-1]):
        pattern = _SYMBOL_BEFORE_DIGITS.sub("¤\u00a0", pattern)
    if _needs_space(symbol[0]):
        pattern = _SYMBOL_AFTER_DIGITS.sub("\u00a0¤", pattern)
    parsed = copy.copy(parse_pattern(pattern))
    parsed.frac_prec = (digits, digits)
    return parsed


def _needs_space(character: str) -> bool:
    # CLDR's currencySpacing currencyMatch: [[:^S:]&[:^Z:]], anything but a symbol or a separator.
    return unicodedata.category(character)[0] not in "SZ"
