"""Money as integer minor units plus an ISO 4217 code: exponents and display.

Pure Python with no Django imports, so any app (or a copy in billing) can use it without importing
the shop's models.
"""

from decimal import Decimal

# Currencies whose minor unit is not a hundredth. Everything else has two decimals.
CURRENCY_EXPONENTS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def currency_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for USD, 0 for JPY)."""
    return CURRENCY_EXPONENTS.get(currency.upper(), 2)


def to_major_units(amount_minor: int, currency: str) -> Decimal:
    """1250 USD cents -> Decimal("12.50"); 1250 JPY -> Decimal("1250")."""
    exponent = currency_exponent(currency)
    return Decimal(amount_minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def format_money(amount_minor: int, currency: str) -> str:
    """A price for people: "$12.50", "¥1,250", "CHF 12.50"; negative amounts keep their sign in front."""
    currency = currency.upper()
    exponent = currency_exponent(currency)
    major = to_major_units(abs(amount_minor), currency)
    number = f"{major:,.{exponent}f}"
    sign = "-" if amount_minor < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{currency} {number}"
