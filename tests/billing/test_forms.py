"""MoneyField: amounts typed and shown in major units, in the currency of a sibling field, stored in minor units."""

import pytest
from django import forms

from billing.forms import MINIMUM_CHARGE, MoneyField
from billing.money import CURRENCY_CHOICES


class PriceForm(forms.Form):
    price_amount = MoneyField(currency_field="price_currency", minimum=MINIMUM_CHARGE)
    price_currency = forms.ChoiceField(choices=CURRENCY_CHOICES)


class RateForm(forms.Form):
    amount = MoneyField(currency_field="currency")
    free_over = MoneyField(currency_field="currency", required=False)
    currency = forms.CharField()


def cleaned(amount: str, currency: str = "USD"):
    form = PriceForm({"price_amount": amount, "price_currency": currency})
    return form.is_valid(), form.cleaned_data.get("price_amount"), form.errors.get("price_amount")


@pytest.mark.parametrize(
    ("stored", "currency", "text"),
    [(4200, "USD", "42.00"), (123456, "EUR", "1,234.56"), (1250, "JPY", "1,250"), (50, "USD", "0.50")],
)
def test_a_stored_amount_shows_in_major_units_and_comes_back_the_same(stored, currency, text):
    form = PriceForm(initial={"price_amount": stored, "price_currency": currency})
    assert f'value="{text}"' in str(form["price_amount"])
    assert 'inputmode="decimal"' in str(form["price_amount"])

    assert cleaned(text, currency) == (True, stored, None)


@pytest.mark.parametrize(
    ("text", "currency", "stored"),
    [
        ("42", "USD", 4200),
        ("42.00", "USD", 4200),
        ("42.5", "USD", 4250),
        ("$42.00", "USD", 4200),
        (" 1,250.00 ", "USD", 125000),
        ("USD 42", "USD", 4200),
        ("1,250", "JPY", 1250),
        ("¥1,250", "JPY", 1250),
        ("1250", "JPY", 1250),
        ("€0.50", "EUR", 50),
    ],
)
def test_amounts_are_accepted_as_people_type_them(text, currency, stored):
    assert cleaned(text, currency) == (True, stored, None)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("42.001", "USD", "Enter an amount with at most 2 decimal places."),
        ("1,250.5", "JPY", "Enter a whole amount: JPY has no decimal places."),
        ("-5", "USD", "Enter an amount of zero or more."),
        ("-$5.00", "USD", "Enter an amount of zero or more."),
        ("abc", "USD", "Enter an amount such as 42.00."),
        ("4 2", "USD", "Enter an amount such as 42.00."),
        ("42..0", "USD", "Enter an amount such as 42.00."),
        ("1e3", "USD", "Enter an amount such as 42.00."),
        ("£42", "USD", "Enter an amount such as 42.00."),
        ("0.49", "USD", "Ensure this is at least $0.50."),
        ("0", "USD", "Ensure this is at least $0.50."),
        ("49", "JPY", "Ensure this is at least ¥50."),
        ("1,000,000", "USD", "Ensure this is at most $999,999.99."),
        ("", "USD", "This field is required."),
    ],
)
def test_bad_amounts_are_refused_with_messages_in_major_units(text, currency, message):
    valid, _, errors = cleaned(text, currency)
    assert not valid
    assert errors == [message]


def test_the_submitted_currency_decides_the_decimals_not_the_initial_one():
    form = PriceForm(
        {"price_amount": "1,250", "price_currency": "JPY"}, initial={"price_amount": 4200, "price_currency": "USD"}
    )
    assert form.is_valid()
    assert form.cleaned_data["price_amount"] == 1250


def test_without_a_valid_currency_the_amount_asks_for_one():
    form = PriceForm({"price_amount": "42.00", "price_currency": "XX"})
    assert not form.is_valid()
    assert form.errors["price_amount"] == ["Choose a currency for this amount."]


def test_a_rate_may_be_free_and_an_optional_amount_may_be_blank():
    form = RateForm({"amount": "0", "free_over": "", "currency": "GBP"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": 0, "free_over": None, "currency": "GBP"}


def test_a_refused_amount_is_shown_back_as_typed():
    form = PriceForm({"price_amount": "42.001", "price_currency": "USD"})
    assert not form.is_valid()
    assert 'value="42.001"' in str(form["price_amount"])
