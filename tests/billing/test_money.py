"""Money helpers: minor units in and out, zero- and three-decimal currencies, no floats."""

from decimal import Decimal

import pytest

from billing.money import MoneyError, format_amount, parse_amount, to_decimal, to_stripe_amount


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "usd", "$12.50"),
        (5, "eur", "€0.05"),
        (1500, "jpy", "¥1,500"),
        (1500, "JPY", "¥1,500"),
        (50000, "krw", "₩50,000"),
        (12500, "bhd", "12.500 BHD"),
        (123456789, "chf", "1,234,567.89 CHF"),
    ],
)
def test_format_amount_uses_the_currencys_decimal_places(amount, currency, shown):
    assert format_amount(amount, currency) == shown


def test_to_decimal_is_exact():
    assert to_decimal(1999, "usd") == Decimal("19.99")
    assert to_decimal(1999, "jpy") == Decimal("1999")


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [("12.50", "usd", 1250), ("12.5", "usd", 1250), ("1,500", "jpy", 1500), ("0.01", "eur", 1), ("1.250", "kwd", 1250)],
)
def test_parse_amount_reads_what_people_type(typed, currency, minor):
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"), [("12.345", "usd"), ("10.5", "jpy"), ("abc", "usd"), ("", "usd"), ("NaN", "usd")]
)
def test_parse_amount_refuses_what_the_currency_cannot_hold(typed, currency):
    with pytest.raises(MoneyError):
        parse_amount(typed, currency)


def test_stripe_amounts_are_minor_units_for_zero_and_two_decimal_currencies():
    assert to_stripe_amount(1500, "jpy") == 1500
    assert to_stripe_amount(1250, "usd") == 1250


@pytest.mark.parametrize(("amount", "currency"), [(0, "usd"), (-5, "usd"), (12.5, "usd"), (True, "usd"), (1255, "bhd")])
def test_stripe_amounts_refuse_floats_booleans_non_positive_and_unroundable(amount, currency):
    with pytest.raises(MoneyError):
        to_stripe_amount(amount, currency)


def test_bad_currency_code_is_refused():
    with pytest.raises(MoneyError):
        format_amount(100, "dollars")
