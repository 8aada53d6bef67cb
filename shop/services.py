"""Writes to carts. Views, signals and other apps call these; nothing else changes a cart.

Every function is all-or-nothing: on a CartError nothing was written. Operations on one cart are serialised by
locking the cart row, so two concurrent adds cannot push a line past the cap or past the stock available.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from shop.models import Cart, LineItem, ProductPage
from shop.querysets import lines_with_availability
from shop.selectors import CART_SESSION_KEY, cart_find


class CartError(Exception):
    """A refused cart change, with a message fit to show the shopper and the HTTP status it deserves."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class CartNotFound(CartError):
    def __init__(self, message: str):
        super().__init__(message, status=404)


def _cap() -> int:
    return settings.SHOP_MAX_QUANTITY_PER_LINE


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _live_product(product_id: int) -> ProductPage:
    # Public only: a product under a view restriction is not on sale to the public (nor listed).
    product = ProductPage.objects.live().public().with_availability().filter(pk=product_id).first()
    if product is None:
        raise CartNotFound("That product does not exist or is no longer on sale.")
    return product


def _check_quantity_bounds(quantity: int) -> None:
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    if quantity > _cap():
        raise CartError(f"You can buy at most {_cap()} of one product.")


def _check_available(product: ProductPage, quantity: int, *, already_in_cart: int = 0) -> None:
    available = product.available_quantity
    if available <= 0:
        raise CartError(f"{product.title} is sold out.")
    if quantity > available:
        if already_in_cart:
            raise CartError(
                f"Only {available} of {product.title} available, and you already have {already_in_cart} in your cart."
            )
        raise CartError(f"Only {available} of {product.title} available.")


def _lock_cart(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _cart_currency(cart: Cart, *, excluding_product: ProductPage | None = None) -> str | None:
    lines = cart.lines.all()
    if excluding_product is not None:
        lines = lines.exclude(product=excluding_product)
    return lines.values_list("product__price_currency", flat=True).first()


def cart_get_or_create(*, user: AbstractBaseUser | None, session: SessionBase) -> Cart:
    """The visitor's cart, created when missing: the user's when signed in, else the one named in the session."""
    cart = cart_find(user=user, session=session)
    if cart is not None:
        return cart
    if _is_signed_in(user):
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    cart = Cart.objects.create()
    session[CART_SESSION_KEY] = cart.pk
    return cart


@transaction.atomic
def cart_add_item(*, user: AbstractBaseUser | None, session: SessionBase, product_id: int, quantity: int) -> LineItem:
    """Add `quantity` units of a live product to the visitor's cart, creating the cart on the first add.

    Refused (CartError, nothing written) for a quantity below 1 or above the per-line cap (counting what the
    line already holds), more than is available, a currency other than the cart's; CartNotFound (404) for an
    unknown or unpublished product.
    """
    product = _live_product(product_id)
    _check_quantity_bounds(quantity)
    _check_available(product, quantity)

    cart = _lock_cart(cart_get_or_create(user=user, session=session))
    line = LineItem.objects.select_for_update().filter(cart=cart, product=product).first()
    already = line.quantity if line else 0
    if already + quantity > _cap():
        raise CartError(f"You can have at most {_cap()} of {product.title} in your cart; you already have {already}.")
    _check_available(product, already + quantity, already_in_cart=already)
    cart_currency = _cart_currency(cart, excluding_product=product)
    if cart_currency and cart_currency != product.price_currency:
        raise CartError(
            f"{product.title} is priced in {product.price_currency} and your cart is in {cart_currency}; "
            "buy them in separate orders."
        )

    if line is None:
        line = LineItem.objects.create(
            cart=cart, product=product, quantity=quantity, price_seen_amount=product.price_amount
        )
    else:
        line.quantity = already + quantity
        line.price_seen_amount = product.price_amount
        line.save(update_fields=["quantity", "price_seen_amount", "updated_at"])
    cart.save(update_fields=["updated_at"])
    line.product = product
    return line


def _visitor_line(*, user, session: SessionBase, line_id: int) -> tuple[Cart, LineItem]:
    cart = cart_find(user=user, session=session)
    if cart is None:
        raise CartNotFound("That line is not in your cart.")
    cart = _lock_cart(cart)
    line = LineItem.objects.select_for_update().filter(pk=line_id, cart=cart).first()
    if line is None:
        raise CartNotFound("That line is not in your cart.")
    return cart, line


@transaction.atomic
def cart_update_line(*, user: AbstractBaseUser | None, session: SessionBase, line_id: int, quantity: int) -> LineItem:
    """Set a line of the visitor's cart to `quantity` (1..cap, no more than available); 404 for another's line."""
    cart, line = _visitor_line(user=user, session=session, line_id=line_id)
    _check_quantity_bounds(quantity)
    product = ProductPage.objects.with_availability().get(pk=line.product_id)
    if not product.live:
        raise CartError(f"{product.title} is no longer on sale; remove it from your cart.")
    # Lowering a line is refused too while it still exceeds the stock: it would only fail later, at checkout.
    _check_available(product, quantity)
    line.quantity = quantity
    # The cart page showed the current price beside the quantity the shopper just set.
    line.price_seen_amount = product.price_amount
    line.save(update_fields=["quantity", "price_seen_amount", "updated_at"])
    cart.save(update_fields=["updated_at"])
    line.product = product
    return line


@transaction.atomic
def cart_remove_line(*, user: AbstractBaseUser | None, session: SessionBase, line_id: int) -> ProductPage:
    """Delete a line of the visitor's cart and return its product (for the message); 404 for another's line."""
    cart, line = _visitor_line(user=user, session=session, line_id=line_id)
    product = line.product
    line.delete()
    cart.save(update_fields=["updated_at"])
    return product


@dataclass
class MergeOutcome:
    """What happened to each line of the anonymous cart when it joined the user's cart."""

    merged: list[tuple[str, int]] = field(default_factory=list)  # (title, quantity now in the cart)
    reduced: list[tuple[str, int, int, str]] = field(default_factory=list)  # (title, wanted, now, why)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (title, why)

    @property
    def changed_anything(self) -> bool:
        return bool(self.merged or self.reduced or self.dropped)

    def message(self) -> str:
        parts = []
        if self.merged:
            items = ", ".join(f"{title} (quantity {quantity})" for title, quantity in self.merged)
            parts.append(f"We added the items from before you signed in to your cart: {items}.")
        for title, wanted, now, why in self.reduced:
            parts.append(f"{title}: reduced from {wanted} to {now} ({why}).")
        for title, why in self.dropped:
            parts.append(f"{title} was not added: {why}.")
        return " ".join(parts)


@transaction.atomic
def cart_merge(*, user: AbstractBaseUser, session: SessionBase) -> MergeOutcome | None:
    """Merge the session's anonymous cart into the user's cart, then delete it. None when there was none.

    Quantities are summed, then capped by the per-line cap and the stock available; every line reduced or
    dropped is reported in the outcome, so nothing disappears without the shopper being told.
    """
    cart_id = session.get(CART_SESSION_KEY)
    if not isinstance(cart_id, int):
        return None
    anonymous = Cart.objects.anonymous().select_for_update().filter(pk=cart_id).first()
    session.pop(CART_SESSION_KEY, None)
    if anonymous is None:
        return None

    outcome = MergeOutcome()
    incoming = lines_with_availability(anonymous.lines.with_products())
    if incoming:
        target, _created = Cart.objects.get_or_create(user=user)
        target = _lock_cart(target)
        existing = {line.product_id: line for line in LineItem.objects.select_for_update().filter(cart=target)}
        target_currency = _cart_currency(target)
        cap = _cap()
        for line in incoming:
            product = line.product
            title = product.title
            if not product.live:
                outcome.dropped.append((title, "it is no longer on sale"))
                continue
            if target_currency and product.price_currency != target_currency:
                outcome.dropped.append(
                    (title, f"it is priced in {product.price_currency} and your cart in {target_currency}")
                )
                continue
            current = existing.get(product.pk)
            wanted = line.quantity + (current.quantity if current else 0)
            available = product.available_quantity
            allowed = min(wanted, cap, available)
            if allowed <= 0:
                outcome.dropped.append((title, "it is sold out"))
                if current is not None:
                    current.delete()
                continue
            if allowed < wanted:
                why = f"only {available} available" if available < min(wanted, cap) else f"at most {cap} per order"
                outcome.reduced.append((title, wanted, allowed, why))
            else:
                outcome.merged.append((title, allowed))
            if current is None:
                LineItem.objects.create(
                    cart=target, product=product, quantity=allowed, price_seen_amount=line.price_seen_amount
                )
            else:
                current.quantity = allowed
                current.save(update_fields=["quantity", "updated_at"])
            target_currency = target_currency or product.price_currency
        target.save(update_fields=["updated_at"])
    anonymous.delete()
    return outcome
