from django import template

from shop.money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency):
    """{{ product.price_amount|money:product.price_currency }} -> "$12.50" or "¥1,250"."""
    if amount_minor is None or not currency:
        return ""
    return format_money(int(amount_minor), str(currency))
