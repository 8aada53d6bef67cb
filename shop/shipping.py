"""Shipping: which rates serve a country, what they cost an order, the terms billing offers at Checkout, and the
chosen rate and address snapshotted onto the paid order.

The buyer chooses the country on the cart page; the order remembers it, and Checkout then asks for an address in
that country and offers only the rates that serve it, in the order's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import Charge
from billing.money import format_amount
from billing.payables import PaymentLine, ShippingOption, ShippingTerms
from shop.countries import country_name
from shop.models import Order, ShippingRate, ShippingSettings
from shop.querysets import main_image_prefetch

# Stripe shows a product image at about this size on its page.
CHECKOUT_RENDITION = "fill-300x300"


class ShippingError(Exception):
    """A shipping choice that cannot be made; `message` is for the shopper or editor. Nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ShippingQuote:
    rate: ShippingRate
    amount: int
    currency: str

    @property
    def display(self) -> str:
        return "Free" if self.amount == 0 else format_amount(self.amount, self.currency)


def shipping_countries() -> list[tuple[str, str]]:
    """(code, name) of every country the shop ships to, by name."""
    codes = ShippingSettings.load().country_codes
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1])


def country_is_served(country: str) -> bool:
    return (country or "").upper() in ShippingSettings.load().country_codes


def rate_quote(*, rate: ShippingRate, currency: str, subtotal_amount: int) -> ShippingQuote:
    """What `rate` costs an order of `subtotal_amount` in `currency`; a rate in another currency is refused."""
    if rate.currency.upper() != (currency or "").upper():
        raise ShippingError(
            f"The {rate.name} rate is priced in {rate.currency}, but the order is in {currency}: it cannot be used."
        )
    return ShippingQuote(rate=rate, amount=rate.amount_for(subtotal_amount), currency=rate.currency)


def shipping_quotes(*, currency: str, subtotal_amount: int, country: str) -> list[ShippingQuote]:
    """The active rates that serve `country` in `currency`, cheapest first. ShippingError for a country the shop
    does not ship to."""
    country = (country or "").upper()
    if not country_is_served(country):
        raise ShippingError(f"We do not ship to {country_name(country) or 'that country'}.")
    quotes = [
        rate_quote(rate=rate, currency=currency, subtotal_amount=subtotal_amount)
        for rate in ShippingRate.objects.filter(active=True, currency=(currency or "").upper())
        if country in rate.country_codes
    ]
    return sorted(quotes, key=lambda quote: (quote.amount, quote.rate.max_days, quote.rate.name))


def cheapest_quote(*, currency: str, subtotal_amount: int, country: str = "") -> ShippingQuote | None:
    """The cheapest rate for `country`, or with no country the cheapest to anywhere served (the cart's "from")."""
    if country:
        quotes = shipping_quotes(currency=currency, subtotal_amount=subtotal_amount, country=country)
        return quotes[0] if quotes else None
    served = set(ShippingSettings.load().country_codes)
    quotes = [
        rate_quote(rate=rate, currency=currency, subtotal_amount=subtotal_amount)
        for rate in ShippingRate.objects.filter(active=True, currency=(currency or "").upper())
        if served.intersection(rate.country_codes)
    ]
    return min(quotes, key=lambda quote: quote.amount, default=None)


SESSION_COUNTRY_KEY = "shop_ship_to"


@dataclass(frozen=True)
class CartShipping:
    """What the cart page says about shipping: the countries to choose from, the choice, and its rates."""

    needed: bool
    countries: list[tuple[str, str]]
    country: str = ""
    quotes: list[ShippingQuote] | None = None
    cheapest_anywhere: ShippingQuote | None = None
    error: str = ""

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else ""

    @property
    def cheapest(self) -> ShippingQuote | None:
        return self.quotes[0] if self.quotes else None


def cart_shipping(*, lines, currency: str | None, subtotal_amount: int | None, country: str = "") -> CartShipping:
    """Shipping for the cart page: needed at all (any line's product ships), and for `country` (or the shop's
    cheapest anywhere) the rates, cheapest first. A country the shop does not serve comes back as `error`."""
    needed = any(line.product.requires_shipping for line in lines)
    if not needed or currency is None or subtotal_amount is None:
        return CartShipping(needed=needed, countries=[])
    countries = shipping_countries()
    country = (country or "").strip().upper()
    if not country:
        return CartShipping(
            needed=True,
            countries=countries,
            cheapest_anywhere=cheapest_quote(currency=currency, subtotal_amount=subtotal_amount),
        )
    try:
        quotes = shipping_quotes(currency=currency, subtotal_amount=subtotal_amount, country=country)
    except ShippingError as error:
        return CartShipping(needed=True, countries=countries, error=error.message)
    return CartShipping(needed=True, countries=countries, country=country, quotes=quotes)


def _image_url(product) -> str:
    main = product.main_image if product is not None else None
    if main is None:
        return ""
    return main.image.get_rendition(CHECKOUT_RENDITION).url


def order_payment_lines(order: Order) -> list[PaymentLine]:
    lines = order.lines.select_related("product").prefetch_related(
        main_image_prefetch("product__gallery_images", [CHECKOUT_RENDITION])
    )
    return [
        PaymentLine(
            name=line.display_name,
            unit_amount=line.unit_price_amount,
            quantity=line.quantity,
            image_url=_image_url(line.product),
        )
        for line in lines
    ]


def order_shipping_terms(order: Order) -> ShippingTerms | None:
    """For billing: the order's country and the rates that serve it, priced for this order. None when nothing ships."""
    if not order.requires_shipping:
        return None
    try:
        quotes = shipping_quotes(
            currency=order.currency, subtotal_amount=order.subtotal_amount, country=order.shipping_country
        )
    except ShippingError:
        quotes = []
    return ShippingTerms(
        countries=[order.shipping_country],
        options=[
            ShippingOption(
                key=str(quote.rate.pk),
                name=quote.rate.name,
                amount=quote.amount,
                min_days=quote.rate.min_days,
                max_days=quote.rate.max_days,
            )
            for quote in quotes
        ],
    )


def order_snapshot_shipping(*, order: Order, charge: Charge) -> list[str]:
    """Copies the rate and address the buyer chose at Checkout (kept on the charge by billing) onto the order, and
    adds the shipping to its total. Runs inside fulfilment's transaction with the order locked. Returns the fields
    it set, for the caller's save."""
    if not order.requires_shipping or not charge.shipping_option:
        return []
    terms = {option["key"]: option for option in (charge.shipping_terms or {}).get("options", [])}
    offered = terms.get(charge.shipping_option, {})
    rate = ShippingRate.objects.filter(pk=charge.shipping_option).first() if charge.shipping_option.isdigit() else None
    address = charge.shipping_address or {}
    order.shipping_rate = rate
    order.shipping_rate_name = (offered.get("name") or (rate.name if rate else ""))[:100]
    if offered.get("min_days") and offered.get("max_days"):
        low, high = offered["min_days"], offered["max_days"]
        order.shipping_estimate = f"{low} business days" if low == high else f"{low} to {high} business days"
    order.shipping_amount = charge.shipping_amount
    order.total_amount += charge.shipping_amount
    order.shipping_name = address.get("name", "")[:200]
    order.shipping_line1 = address.get("line1", "")[:200]
    order.shipping_line2 = address.get("line2", "")[:200]
    order.shipping_city = address.get("city", "")[:100]
    order.shipping_state = address.get("state", "")[:100]
    order.shipping_postal_code = address.get("postal_code", "")[:20]
    order.shipping_country = (address.get("country") or order.shipping_country)[:2]
    return [
        "shipping_rate",
        "shipping_rate_name",
        "shipping_estimate",
        "shipping_amount",
        "total_amount",
        "shipping_name",
        "shipping_line1",
        "shipping_line2",
        "shipping_city",
        "shipping_state",
        "shipping_postal_code",
        "shipping_country",
    ]
