"""Checkout: the cart becomes the user's order with its stock held (shop.holds), then billing's Checkout
Session takes the payment. What the payment then does to the order is shop.fulfilment's.

A guest (no user) checks out their session's cart: the order has no user until the payment is confirmed, and
Stripe Checkout collects the e-mail address that then decides whose it is (shop.receivers).

Locks are taken in shop.holds' order (its docstring says why).
Here the order and its holds are committed before billing calls Stripe.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from billing.models import Charge
from billing.money import format_amount
from billing.services.checkout import charge_cancel_checkout, charge_start_checkout
from billing.stripe_client import PaymentError
from shop.holds import (
    buyer_units_held,
    order_hold_stock,
    order_release,
    order_release_holds,
    variants_live_held,
    variants_lock,
)
from shop.models import Cart, LineItem, Order, OrderLine
from shop.shipping import ShippingError, shipping_quotes

logger = logging.getLogger(__name__)


class CheckoutError(Exception):
    """Checkout refused, with a message fit for the shopper and the HTTP status it deserves. Nothing was held."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class CheckoutResult:
    """Either `changes` (one message per cart line that changed; no order, no payment) or an order to pay."""

    order: Order | None = None
    changes: list[str] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    payment_url: str = ""


def _cart_terms(lines: list[LineItem]) -> set[tuple[int, int, int]]:
    return {(line.variant_id, line.quantity, line.variant.unit_price_amount) for line in lines}


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _own_orders(user, cart: Cart):
    """The buyer's orders: the user's, or for a guest those made from this very cart."""
    if _signed_in(user):
        return Order.objects.for_user(user)
    return Order.objects.filter(user__isnull=True, guest_cart_pk=cart.pk)


def _reusable_pending_order(user, cart: Cart, lines: list[LineItem], country: str) -> Order | None:
    """The buyer's pending order for exactly this cart, still holding its stock (a second click on checkout)."""
    wanted = _cart_terms(lines)
    pending = _own_orders(user, cart).pending().with_live_holds().filter(shipping_country=country)
    for order in pending.prefetch_related("lines"):
        if {(line.variant_id, line.quantity, line.unit_price_amount) for line in order.lines.all()} == wanted:
            return order
    return None


def _check_shipping(*, lines: list[LineItem], country: str) -> None:
    """A cart with something to ship needs a country the shop serves and a rate to it in the cart's currency."""
    shipped = [line for line in lines if line.product.requires_shipping]
    if not shipped:
        return
    if not country:
        raise CheckoutError("Choose the country we are shipping to, then check out.")
    currency = shipped[0].product.price_currency
    subtotal = sum(line.variant.unit_price_amount * line.quantity for line in lines)
    try:
        quotes = shipping_quotes(currency=currency, subtotal_amount=subtotal, country=country)
    except ShippingError as error:
        raise CheckoutError(error.message) from error
    if not quotes:
        raise CheckoutError("We have no shipping rate to that country for this cart yet. Choose another country.")


@transaction.atomic
def order_create_from_cart(*, user, cart: Cart, country: str = "") -> CheckoutResult:
    """Check every line of the buyer's cart (a guest's: `user` None, the session's anonymous cart) against the
    current price and stock, then make a pending order.

    Lines are per variant: stock, holds and prices are the variant's (its price, else its product's). If any line
    changed (price, stock, no longer on sale, variant no longer sold) the cart is brought up to date, one message
    per line is returned and no order is made: the shopper must see the cart again before paying. A cart with
    products to ship needs `country` (a two-letter code the shop ships to, with a rate), else CheckoutError.
    Otherwise an order with snapshotted lines is created and its stock held, all under the variants' row locks, so
    available stock (on hand minus live holds) never goes below zero. The user's earlier pending orders are released
    (their ids returned in `superseded`, so their Checkout Sessions can be closed once this transaction commits).
    """
    if cart.user_id != (user.pk if _signed_in(user) else None):
        raise CheckoutError("That cart is not yours.", status=404)
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    lines = list(LineItem.objects.select_for_update().filter(cart=cart).order_by("variant_id", "pk"))
    if not lines:
        raise CheckoutError("Your cart is empty: add something before checking out.")
    variants = variants_lock(line.variant_id for line in lines if line.variant_id)
    changes: list[str] = []
    # A variant an editor deleted: the line goes, with a message (cart_drop_unsold_lines does the same on view).
    for line in [line for line in lines if line.variant_id not in variants]:
        changes.append(f"{line.display_name} is no longer sold, so we removed it from your cart.")
        line.delete()
    lines = [line for line in lines if line.variant_id in variants]
    if not lines and changes:
        cart.save(update_fields=["updated_at"])
        return CheckoutResult(changes=changes)
    for line in lines:
        line.variant = variants[line.variant_id]
        line.product = line.variant.product
    country = (country or "").strip().upper()
    if not any(line.product.requires_shipping for line in lines):
        country = ""
    _check_shipping(lines=lines, country=country)

    reusable = _reusable_pending_order(user, cart, lines, country)
    if (
        not changes
        and reusable is not None
        and all(line.price_seen_amount in (None, line.variant.unit_price_amount) for line in lines)
    ):
        return CheckoutResult(order=reusable)

    superseded = list(_own_orders(user, cart).pending().select_for_update().order_by("pk"))
    for old in superseded:
        order_release_holds(old, status=Order.Status.CANCELED)

    held = variants_live_held(variants)
    cap = settings.SHOP_MAX_QUANTITY_PER_LINE
    kept: list[LineItem] = []
    for line in lines:
        product, variant, name = line.product, line.variant, line.display_name
        available = max(variant.stock_on_hand - held.get(variant.pk, 0), 0)
        price = variant.unit_price_amount
        if not product.live:
            changes.append(f"{name} is no longer on sale, so we removed it from your cart.")
            line.delete()
            continue
        if available <= 0:
            changes.append(f"{name} has sold out, so we removed it from your cart.")
            line.delete()
            continue
        update_fields = []
        allowed = min(available, cap)
        if line.quantity > allowed:
            changes.append(
                f"Only {available} of {name} can be bought now, so we lowered it in your cart "
                f"from {line.quantity} to {allowed}."
            )
            line.quantity = allowed
            update_fields.append("quantity")
        if line.price_seen_amount is not None and line.price_seen_amount != price:
            before = format_amount(line.price_seen_amount, product.price_currency)
            now = format_amount(price, product.price_currency)
            changes.append(f"The price of {name} changed from {before} to {now}.")
        if line.price_seen_amount != price:
            line.price_seen_amount = price
            update_fields.append("price_seen_amount")
        if update_fields:
            line.save(update_fields=[*update_fields, "updated_at"])
        kept.append(line)

    superseded_ids = [old.pk for old in superseded]
    if changes:
        cart.save(update_fields=["updated_at"])
        return CheckoutResult(changes=changes, superseded=superseded_ids)
    currencies = {line.product.price_currency for line in kept}
    if len(currencies) > 1:
        raise CheckoutError(
            f"Your cart holds products priced in different currencies ({', '.join(sorted(currencies))}); "
            "remove the ones in one currency and buy them in a separate order."
        )

    # Holding is free, so without a cap one account could hold every unit on sale, renewing at every checkout.
    limit = int(settings.SHOP_MAX_HELD_UNITS_PER_BUYER)
    wanted = sum(line.quantity for line in kept)
    if wanted + buyer_units_held(user_id=user.pk) > limit:
        raise CheckoutError(
            f"You can hold at most {limit} items at a time while paying; this cart has {wanted}. "
            "Remove some and buy them in a separate order."
        )
    currency = currencies.pop()
    order = Order.objects.create(
        number=uuid.uuid4().hex,
        user=user if _signed_in(user) else None,
        email=(user.email or "") if _signed_in(user) else "",
        guest_cart_pk=None if _signed_in(user) else cart.pk,
        currency=currency,
        total_amount=sum(line.variant.unit_price_amount * line.quantity for line in kept),
        requires_shipping=any(line.product.requires_shipping for line in kept),
        shipping_country=country if any(line.product.requires_shipping for line in kept) else "",
    )
    order.number = f"ORD-{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product=line.product,
                variant=line.variant,
                title=line.product.title,
                option_values=line.variant.label,
                sku=line.variant.sku,
                unit_price_amount=line.variant.unit_price_amount,
                quantity=line.quantity,
                requires_shipping=line.product.requires_shipping,
            )
            for line in kept
        ]
    )
    order_hold_stock(order=order, quantities={line.variant: line.quantity for line in kept})
    return CheckoutResult(order=order, superseded=superseded_ids)


def _close_pending_charges(order_id: int) -> None:
    """Close an order's open Checkout Sessions at Stripe, so a released order cannot be paid later."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    for charge in Charge.objects.for_object(order).pending():
        try:
            charge_cancel_checkout(charge=charge)
        except PaymentError as error:
            # The session expires on its own; a payment that still lands is refunded if the stock is gone.
            logger.warning("Could not close checkout for %s: %s", order, error.message)


def checkout_start(*, user, cart: Cart, base_url: str, country: str = "") -> CheckoutResult:
    """POST /cart/checkout/: the order and its holds (committed), then a Checkout Session through billing.

    Returns the changes to show (no payment started), or the order with the URL to send the buyer to. A guest
    (`user` None or anonymous) pays without a Stripe customer, so Checkout asks for their e-mail. If Stripe
    fails, the order is canceled, its holds released, the cart left as it was, and CheckoutError says why.
    """
    result = order_create_from_cart(user=user, cart=cart, country=country)
    for order_id in result.superseded:
        _close_pending_charges(order_id)
    if result.order is None:
        return result
    order = result.order
    try:
        start = charge_start_checkout(user=user if _signed_in(user) else None, payable=order, base_url=base_url)
    except PaymentError as error:
        order_release(order_id=order.pk, status=Order.Status.CANCELED)
        raise CheckoutError(
            f"{error.message} Nothing was charged and your cart is as you left it.",
            status=503 if error.retryable else 502,
        ) from error
    # Billing announced the new session and shop.receivers extended the holds to its life.
    result.payment_url = start.url
    return result
