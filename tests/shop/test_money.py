from decimal import Decimal

import pytest

from shop.money import currency_exponent, format_money, to_major_units
from shop.templatetags.shop_tags import money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1250, "USD", "$12.50"),
        (5, "USD", "$0.05"),
        (123456789, "EUR", "€1,234,567.89"),
        (999, "GBP", "£9.99"),
        (1250, "JPY", "¥1,250"),
        (0, "JPY", "¥0"),
        (1250, "jpy", "¥1,250"),
        (1500, "CHF", "CHF 15.00"),
        (12345, "KWD", "KWD 12.345"),
        (-1250, "USD", "-$12.50"),
    ],
)
def test_format_money_uses_the_currencys_own_decimals(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_zero_decimal_currencies_have_exponent_zero():
    assert currency_exponent("JPY") == 0
    assert currency_exponent("USD") == 2
    assert to_major_units(1250, "JPY") == Decimal("1250")
    assert to_major_units(1250, "USD") == Decimal("12.50")


def test_money_template_filter_formats_and_tolerates_missing_values():
    assert money(1250, "JPY") == "¥1,250"
    assert money(None, "USD") == ""
    assert money(100, "") == ""
