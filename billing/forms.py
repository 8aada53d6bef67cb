"""Money in forms: people type and read amounts in major units ("42.00", "¥1,250"); the database keeps minor units.

`MoneyField` is a form field for an integer amount column whose currency is a sibling field of the same form. One
line on the model's form declares it (a Wagtail panel form, a snippet's or a setting's `base_form_class`):

    price_amount = MoneyField(currency_field="price_currency", minimum=MINIMUM_CHARGE)

It shows the stored 4200 USD as "42.00" and 1250 JPY as "1,250", accepts "42", "42.00", "$42.00" and "1,250", refuses
more decimals than the currency has, negative amounts and anything that is not an amount, with messages in major
units ("Ensure this is at least $0.50"), and cleans to integer minor units. The currency it converts with is the one
submitted beside it (so changing both at once does what the editor sees), else the form's initial one.
"""

import re
from collections.abc import Callable

from babel.numbers import format_decimal, get_currency_symbol
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import to_locale

from billing.money import (
    STRIPE_MAXIMUM_AMOUNT,
    MoneyError,
    display_precision,
    format_amount,
    minimum_charge,
    normalise_currency,
    parse_amount,
    to_decimal,
)

# `minimum=MINIMUM_CHARGE`: the least Stripe charges in the chosen currency (billing.money.minimum_charge).
MINIMUM_CHARGE = "stripe minimum"

# Digits with optional thousands commas and one decimal point; a sign is caught on its own to say so.
_AMOUNT = re.compile(r"^\d[\d,]*(\.\d*)?$|^\.\d+$")


class MoneyInput(forms.TextInput):
    """A text box for an amount: phones offer a keypad with a decimal point."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class MoneyField(forms.Field):
    widget = MoneyInput
    default_error_messages = {
        "invalid": "Enter an amount such as 42.00.",
        "decimals": "Enter an amount with at most %(places)s decimal places.",
        "whole": "Enter a whole amount: %(currency)s has no decimal places.",
        "negative": "Enter an amount of zero or more.",
        "minimum": "Ensure this is at least %(minimum)s.",
        "maximum": "Ensure this is at most %(maximum)s.",
        "currency": "Choose a currency for this amount.",
    }

    def __init__(
        self,
        *,
        currency_field: str = "",
        currency_source: Callable[[], str] | None = None,
        minimum: int | str = 0,
        maximum: int = STRIPE_MAXIMUM_AMOUNT,
        **kwargs,
    ):
        """`minimum` is in minor units (0 allows free), or MINIMUM_CHARGE for Stripe's least charge.

        The currency is the sibling field `currency_field`, or, for a form whose currency lives elsewhere (an inline
        child's, whose parent form holds it), what `currency_source()` returns when the amount is shown or cleaned.
        """
        kwargs.setdefault("help_text", "As it reads, in the currency beside it: 42.00 for $42.00, 1,250 for ¥1,250.")
        super().__init__(**kwargs)
        self.currency_field = currency_field
        self.currency_source = currency_source
        self.minimum = minimum
        self.maximum = maximum
        self.form = None

    def get_bound_field(self, form, field_name):
        # The currency is the form's (its sibling field), read when the amount is shown or cleaned.
        self.form = form
        return super().get_bound_field(form, field_name)

    def currency(self) -> str:
        """The sibling field's currency: as submitted on a bound form, else as the form starts."""
        if self.currency_source is None and self.form is None:
            raise ValidationError(self.error_messages["currency"], code="currency")
        try:
            if self.currency_source is not None:
                return normalise_currency(str(self.currency_source() or ""))
            return normalise_currency(str(self.form[self.currency_field].value() or ""))
        except MoneyError:
            raise ValidationError(self.error_messages["currency"], code="currency") from None

    def prepare_value(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            return value  # what was typed, shown back as typed
        try:
            currency = self.currency()
        except ValidationError:
            return value
        places = display_precision(currency)
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(to_decimal(value, currency), format=pattern, locale=to_locale(settings.LANGUAGE_CODE))

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        currency = self.currency()
        text = _strip_currency(str(value), currency)
        if text.startswith("-"):
            raise ValidationError(self.error_messages["negative"], code="negative")
        if not _AMOUNT.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        places = display_precision(currency)
        decimals = len(text.partition(".")[2].rstrip("0"))
        if decimals > places:
            if places == 0:
                raise ValidationError(self.error_messages["whole"], code="whole", params={"currency": currency.upper()})
            raise ValidationError(self.error_messages["decimals"], code="decimals", params={"places": places})
        try:
            return parse_amount(text, currency)
        except MoneyError:
            raise ValidationError(
                self.error_messages["maximum"],
                code="maximum",
                params={"maximum": format_amount(self.maximum, currency)},
            ) from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        currency = self.currency()
        least = minimum_charge(currency) if self.minimum == MINIMUM_CHARGE else self.minimum
        if value < least:
            raise ValidationError(
                self.error_messages["minimum"], code="minimum", params={"minimum": format_amount(least, currency)}
            )
        if value > self.maximum:
            maximum = format_amount(self.maximum, currency)
            raise ValidationError(self.error_messages["maximum"], code="maximum", params={"maximum": maximum})


def _strip_currency(text: str, currency: str) -> str:
    """ "$42.00", "USD 42", "CA$42" → "42.00", "42", "42": the currency's symbol (and a bare "$" for a dollar), its
    code and the spaces around them go; anything else stays, to be refused."""
    locale = to_locale(settings.LANGUAGE_CODE)
    cleaned = text.strip().replace("\u00a0", " ")
    symbol = get_currency_symbol(currency.upper(), locale)
    marks = {symbol, currency.upper()} | ({"$"} if "$" in symbol else set())
    for mark in sorted(marks, key=len, reverse=True):
        cleaned = re.sub(re.escape(mark), "", cleaned, flags=re.IGNORECASE)
    return cleaned.strip()
