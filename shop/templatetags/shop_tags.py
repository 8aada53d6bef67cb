from django import template

from billing.money import MoneyError, format_amount

register = template.Library()


@register.filter
def money(amount_minor, currency):
    """{{ product.price_amount|money:product.price_currency }} -> "$12.50" or "¥1,250"; "" when either is missing."""
    if amount_minor is None or not currency:
        return ""
    try:
        return format_amount(int(amount_minor), str(currency))
    except MoneyError:
        return ""
