"""Money as integer minor units plus an ISO 4217 code: display, parsing and Stripe amounts.

Stripe's `amount` is always in the currency's smallest unit, which is what we store; the exponent
only matters when showing an amount to people or reading one typed by them. No floats anywhere.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
# https://docs.stripe.com/currencies#three-decimal: Stripe wants amounts ending in 0 for these.
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "krw": "₩", "inr": "₹"}


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message is fit to show."""


def normalise_currency(currency: str) -> str:
    code = (currency or "").strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise MoneyError(f"“{currency}” is not a three-letter currency code.")
    return code


def currency_exponent(currency: str) -> int:
    code = normalise_currency(currency)
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_decimal(amount: int, currency: str) -> Decimal:
    """12345 usd → Decimal("123.45"); 1500 jpy → Decimal("1500")."""
    _check_minor_units(amount)
    exponent = currency_exponent(currency)
    return Decimal(amount).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def format_amount(amount: int, currency: str) -> str:
    """An amount for people: "$12.50", "¥1,500", "12.500 BHD"."""
    value = to_decimal(amount, currency)
    code = normalise_currency(currency)
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,}"
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {code.upper()}"


def parse_amount(text: str, currency: str) -> int:
    """What a person typed ("12.5", "1,500") → minor units; more decimals than the currency has is an error."""
    exponent = currency_exponent(currency)
    cleaned = (text or "").strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"“{text}” is not an amount.") from None
    if not value.is_finite():
        raise MoneyError(f"“{text}” is not an amount.")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        places = "no decimal places" if exponent == 0 else f"at most {exponent} decimal places"
        raise MoneyError(f"{normalise_currency(currency).upper()} amounts have {places}.")
    return int(minor.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_stripe_amount(amount: int, currency: str) -> int:
    """Our minor units as Stripe's `amount`, refusing what Stripe would refuse anyway."""
    _check_minor_units(amount)
    code = normalise_currency(currency)
    if amount <= 0:
        raise MoneyError("The amount must be more than zero.")
    if code in THREE_DECIMAL_CURRENCIES and amount % 10:
        raise MoneyError(f"{code.upper()} amounts must end in 0 for card payments.")
    return amount


def from_stripe_amount(amount: int, currency: str) -> int:
    """Stripe's `amount` back into our minor units (the same unit, checked)."""
    normalise_currency(currency)
    _check_minor_units(amount)
    return amount


def _check_minor_units(amount) -> None:
    # bool is an int subclass; True must not pass as one cent.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MoneyError(f"Amounts are whole minor units, not {type(amount).__name__}.")
