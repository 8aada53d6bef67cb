"""The one money module: Stripe's units stored, CLDR's decimals shown, the site's locale, no floats."""

from decimal import Decimal

import pytest
from django.test import override_settings

from billing.money import (
    CURRENCY_CHOICES,
    STRIPE_THREE_DECIMAL,
    STRIPE_WHOLE_UNITS_IN_HUNDREDTHS,
    STRIPE_ZERO_DECIMAL,
    MoneyError,
    currency_exponent,
    display_precision,
    format_amount,
    normalise_currency,
    parse_amount,
    to_decimal,
    to_stripe_amount,
)
from shop.templatetags.shop_tags import money

NBSP = "\u00a0"  # CLDR's space between a letter symbol and the digits: "CHF 15.00" never breaks across lines.


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "usd", "$12.50"),
        (1250, "USD", "$12.50"),
        (5, "USD", "$0.05"),
        (5, "eur", "€0.05"),
        (123456789, "EUR", "€1,234,567.89"),
        (999, "GBP", "£9.99"),
        (1500, "jpy", "¥1,500"),
        (1500, "JPY", "¥1,500"),
        (1250, "JPY", "¥1,250"),
        (1250, "jpy", "¥1,250"),
        (0, "JPY", "¥0"),
        (50000, "krw", "₩50,000"),
        (12500, "bhd", f"BHD{NBSP}12.500"),
        (12345, "KWD", f"KWD{NBSP}12.345"),
        (1500, "CHF", f"CHF{NBSP}15.00"),
        (123456789, "chf", f"CHF{NBSP}1,234,567.89"),
        (4900, "CAD", "CA$49.00"),
        (-1250, "USD", "-$12.50"),
        (-1500, "CHF", f"-CHF{NBSP}15.00"),
    ],
)
def test_format_amount_uses_the_currencys_decimal_places(amount, currency, shown):
    assert format_amount(amount, currency) == shown


def test_exponents_are_stripes():
    assert currency_exponent("JPY") == 0
    assert currency_exponent("USD") == 2
    assert currency_exponent("usd") == 2
    assert currency_exponent("KWD") == 3


def test_to_decimal_is_exact():
    assert to_decimal(1999, "usd") == Decimal("19.99")
    assert to_decimal(1999, "jpy") == Decimal("1999")
    assert to_decimal(1250, "JPY") == Decimal("1250")
    assert to_decimal(1250, "USD") == Decimal("12.50")
    assert str(to_decimal(1250, "USD")) == "12.50"
    assert str(to_decimal(125000, "ISK")) == "1250"
    # A fraction CLDR would not show is kept, never rounded away.
    assert str(to_decimal(125050, "ISK")) == "1250.50"


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("12.50", "usd", 1250),
        ("12.5", "usd", 1250),
        ("1,500", "jpy", 1500),
        ("0.01", "eur", 1),
        ("1.250", "kwd", 1250),
        (" 7 ", "gbp", 700),
        ("1,250.00", "isk", 125000),
    ],
)
def test_parse_amount_reads_what_people_type(typed, currency, minor):
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"),
    [("12.345", "usd"), ("10.5", "jpy"), ("abc", "usd"), ("", "usd"), ("NaN", "usd"), ("Infinity", "usd")],
)
def test_parse_amount_refuses_what_the_currency_cannot_hold(typed, currency):
    with pytest.raises(MoneyError):
        parse_amount(typed, currency)


def test_stripe_amounts_are_minor_units_for_zero_and_two_decimal_currencies():
    assert to_stripe_amount(1500, "jpy") == 1500
    assert to_stripe_amount(1250, "usd") == 1250


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(0, "usd"), (-5, "usd"), (12.5, "usd"), (True, "usd"), (1255, "bhd"), (125050, "isk"), (550, "ugx")],
)
def test_stripe_amounts_refuse_floats_booleans_non_positive_and_unroundable(amount, currency):
    with pytest.raises(MoneyError):
        to_stripe_amount(amount, currency)


@pytest.mark.parametrize("currency", ["dollars", "", "us", "€€€", "12x"])
def test_bad_currency_code_is_refused(currency):
    with pytest.raises(MoneyError):
        format_amount(100, currency)
    with pytest.raises(MoneyError):
        normalise_currency(currency)


def test_money_template_filter_formats_and_tolerates_missing_values():
    assert money(1250, "JPY") == "¥1,250"
    assert money(1250, "USD") == "$12.50"
    assert money(None, "USD") == ""
    assert money(100, "") == ""
    assert money(100, "dollars") == ""


# --- Every currency Stripe treats specially, from https://docs.stripe.com/currencies ------------------------------

# (currency, what a person types, what we store and send to Stripe, what people are shown)
ZERO_DECIMAL_ROUND_TRIPS = [
    ("bif", "1,250", 1250, f"BIF{NBSP}1,250"),
    ("clp", "1,250", 1250, f"CLP{NBSP}1,250"),
    ("djf", "1,250", 1250, f"DJF{NBSP}1,250"),
    ("gnf", "1,250", 1250, f"GNF{NBSP}1,250"),
    ("jpy", "1,250", 1250, "¥1,250"),
    ("kmf", "1,250", 1250, f"KMF{NBSP}1,250"),
    ("krw", "1,250", 1250, "₩1,250"),
    ("mga", "1,250", 1250, f"MGA{NBSP}1,250"),
    ("pyg", "1,250", 1250, f"PYG{NBSP}1,250"),
    ("rwf", "1,250", 1250, f"RWF{NBSP}1,250"),
    ("vnd", "1,250", 1250, "₫1,250"),
    ("vuv", "1,250", 1250, f"VUV{NBSP}1,250"),
    ("xaf", "1,250", 1250, f"FCFA{NBSP}1,250"),
    ("xof", "1,250", 1250, f"F\u202fCFA{NBSP}1,250"),
    ("xpf", "1,250", 1250, f"CFPF{NBSP}1,250"),
]
THREE_DECIMAL_ROUND_TRIPS = [
    ("bhd", "1,250.5", 1250500, f"BHD{NBSP}1,250.500"),
    ("jod", "1,250.5", 1250500, f"JOD{NBSP}1,250.500"),
    ("kwd", "1,250.5", 1250500, f"KWD{NBSP}1,250.500"),
    ("omr", "1,250.5", 1250500, f"OMR{NBSP}1,250.500"),
    ("tnd", "1,250.5", 1250500, f"TND{NBSP}1,250.500"),
]
SPECIAL_CASE_ROUND_TRIPS = [
    # Whole krónur/shillings, stored and sent in hundredths ("to charge 5 ISK, provide an amount value of 500").
    ("isk", "1,250", 125000, f"ISK{NBSP}1,250"),
    ("isk", "5", 500, f"ISK{NBSP}5"),
    ("ugx", "5", 500, f"UGX{NBSP}5"),
    ("ugx", "1,250", 125000, f"UGX{NBSP}1,250"),
    # Two-decimal for charges at Stripe; CLDR shows HUF without decimals and TWD with two.
    ("huf", "1,250", 125000, f"HUF{NBSP}1,250"),
    ("twd", "800.45", 80045, "NT$800.45"),
    ("twd", "1,250", 125000, "NT$1,250.00"),
]


def test_the_stripe_lists_are_the_ones_tested():
    assert {row[0] for row in ZERO_DECIMAL_ROUND_TRIPS} | {"ugx"} == STRIPE_ZERO_DECIMAL
    assert {row[0] for row in THREE_DECIMAL_ROUND_TRIPS} == STRIPE_THREE_DECIMAL
    assert {"isk", "ugx"} == STRIPE_WHOLE_UNITS_IN_HUNDREDTHS


@pytest.mark.parametrize(
    ("currency", "typed", "stored", "shown"),
    ZERO_DECIMAL_ROUND_TRIPS + THREE_DECIMAL_ROUND_TRIPS + SPECIAL_CASE_ROUND_TRIPS,
)
def test_round_trip_parse_store_display(currency, typed, stored, shown):
    assert parse_amount(typed, currency) == stored
    assert to_stripe_amount(stored, currency) == stored
    assert format_amount(stored, currency) == shown
    assert format_amount(stored, currency.upper()) == shown
    # What is shown reads back as what is stored (no-break spaces and symbols aside).
    number = shown.rsplit(NBSP, 1)[-1].lstrip("¥₩₫NT$")
    assert parse_amount(number, currency) == stored


@pytest.mark.parametrize(("currency", "exponent", "shown"), [(row[0], 0, 0) for row in ZERO_DECIMAL_ROUND_TRIPS])
def test_zero_decimal_currencies_store_and_show_whole_units(currency, exponent, shown):
    assert currency_exponent(currency) == exponent
    assert display_precision(currency) == shown
    with pytest.raises(MoneyError, match="no decimal places"):
        parse_amount("10.5", currency)


@pytest.mark.parametrize("currency", sorted(STRIPE_THREE_DECIMAL))
def test_three_decimal_currencies_go_to_stripe_only_in_tens(currency):
    assert currency_exponent(currency) == 3
    assert display_precision(currency) == 3
    assert parse_amount("5.124", currency) == 5124
    assert format_amount(5124, currency) == f"{currency.upper()}{NBSP}5.124"
    assert to_stripe_amount(5120, currency) == 5120
    with pytest.raises(MoneyError, match="must end in 0"):
        to_stripe_amount(5124, currency)


@pytest.mark.parametrize("currency", ["isk", "ugx"])
def test_isk_and_ugx_are_stored_in_hundredths_but_typed_and_shown_whole(currency):
    assert currency_exponent(currency) == 2
    assert display_precision(currency) == 0
    with pytest.raises(MoneyError, match=f"{currency.upper()} amounts have no decimal places"):
        parse_amount("1,250.5", currency)
    # Stripe: "You can't charge fractions of ISK [UGX]."
    with pytest.raises(MoneyError):
        to_stripe_amount(125050, currency)
    # An odd stored amount is shown exactly, never rounded to a whole unit.
    assert format_amount(125050, currency) == f"{currency.upper()}{NBSP}1,250.50"


def test_huf_and_twd_take_two_decimal_charges():
    assert currency_exponent("huf") == currency_exponent("twd") == 2
    assert to_stripe_amount(1045, "huf") == 1045  # payouts must be whole forints; charges need not be
    assert to_stripe_amount(80045, "twd") == 80045
    assert format_amount(1045, "huf") == f"HUF{NBSP}10.45"  # CLDR shows none, but a fraction is never hidden
    assert display_precision("huf") == 0
    assert display_precision("twd") == 2


def test_display_follows_the_sites_language():
    with override_settings(LANGUAGE_CODE="de"):
        assert format_amount(123456, "eur") == f"1.234,56{NBSP}€"
        assert format_amount(125000, "isk") == f"1.250{NBSP}ISK"
    with override_settings(LANGUAGE_CODE="en-gb"):
        assert format_amount(123456, "usd") == "US$1,234.56"


def test_shop_and_jobs_offer_the_same_currencies():
    from jobs.forms import JobPostForm
    from jobs.models import JobBoardSettings, JobPage
    from shop.models import Order, ProductPage

    expected = [("USD", "US dollar (USD)"), ("EUR", "Euro (EUR)"), ("GBP", "Pound sterling (GBP)")]
    assert CURRENCY_CHOICES[:3] == expected
    assert {code for code, _ in CURRENCY_CHOICES} == {"USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY"}
    for field in (
        ProductPage._meta.get_field("price_currency"),
        Order._meta.get_field("currency"),
        JobBoardSettings._meta.get_field("price_currency"),
        JobPage._meta.get_field("salary_currency"),
    ):
        assert field.choices == CURRENCY_CHOICES
    assert JobPostForm.base_fields["salary_currency"].choices == CURRENCY_CHOICES


@pytest.mark.parametrize("typed", ["9e99", "1e30", "-1e30", "1e-99", "99999999999999999999999"])
def test_parse_amount_refuses_absurd_magnitudes_with_a_money_error(typed):
    with pytest.raises(MoneyError):
        parse_amount(typed, "usd")
