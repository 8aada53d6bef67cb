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

from shop.models import Cart, LineItem, ProductPage, ProductVariant
from shop.querysets import lines_with_availability
from shop.selectors import CART_SESSION_KEY, cart_find
from shop.variants import variant_for_choice


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


def _variant_name(variant: ProductVariant) -> str:
    return str(variant)  # "Organic cotton tee — M, Oat"


def _chosen_variant(product: ProductPage, *, variant_id: int | None, option_values: list[str] | None) -> ProductVariant:
    """The variant the shopper chose, by id or by its option values, with its availability; CartError if it is not
    one this product sells."""
    variants = ProductVariant.objects.filter(product_id=product.pk).with_availability()
    if variant_id is not None:
        variant = variants.filter(pk=variant_id).first()
        if variant is None:
            raise CartError(f"That choice is not one of {product.title}'s; choose again on its page.")
    else:
        values = [value for value in (option_values or []) if value]
        options = list(product.options.all())
        if options and len(values) != len(options):
            names = " and ".join(option.name for option in options)
            raise CartError(f"Choose a {names} for {product.title}.")
        if options:
            for option, value in zip(options, values, strict=True):
                if value not in option.value_list:
                    raise CartError(f"{product.title} has no {option.name} {value}; choose one of {option.values}.")
            found = variant_for_choice(product=product, values=values)
            variant = variants.filter(pk=found.pk).first() if found is not None else None
            if variant is None:
                raise CartError(f"{product.title} is not sold in {', '.join(values)}; choose another combination.")
        else:
            variant = variants.order_by("pk").first()
            if variant is None:
                raise CartNotFound("That product does not exist or is no longer on sale.")
    variant.product = product
    return variant


def _check_available(variant: ProductVariant, quantity: int, *, already_in_cart: int = 0) -> None:
    available = variant.available_quantity
    name = _variant_name(variant)
    if available <= 0:
        raise CartError(f"{name} is sold out.")
    if quantity > available:
        if already_in_cart:
            raise CartError(
                f"Only {available} of {name} available, and you already have {already_in_cart} in your cart."
            )
        raise CartError(f"Only {available} of {name} available.")


def _lock_cart(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _cart_currency(cart: Cart, *, excluding_variant: ProductVariant | None = None) -> str | None:
    lines = cart.lines.all()
    if excluding_variant is not None:
        lines = lines.exclude(variant=excluding_variant)
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
def cart_add_item(
    *,
    user: AbstractBaseUser | None,
    session: SessionBase,
    product_id: int,
    quantity: int,
    variant_id: int | None = None,
    option_values: list[str] | None = None,
) -> LineItem:
    """Add `quantity` units of a live product's variant to the visitor's cart, creating the cart on the first add.

    The variant is `variant_id` (it must be this product's), else the one with `option_values` (one per option, in
    the options' order), else a product without options' only variant. One line per variant: the same product in
    two sizes is two lines.

    Refused (CartError, nothing written) for an unknown combination or another product's variant, a quantity below
    1 or above the per-line cap (counting what the line already holds), more than the variant has available, a
    currency other than the cart's; CartNotFound (404) for an unknown or unpublished product.
    """
    product = _live_product(product_id)
    variant = _chosen_variant(product, variant_id=variant_id, option_values=option_values)
    name = _variant_name(variant)
    _check_quantity_bounds(quantity)
    _check_available(variant, quantity)

    cart = _lock_cart(cart_get_or_create(user=user, session=session))
    line = LineItem.objects.select_for_update().filter(cart=cart, variant=variant).first()
    already = line.quantity if line else 0
    if already + quantity > _cap():
        raise CartError(f"You can have at most {_cap()} of {name} in your cart; you already have {already}.")
    _check_available(variant, already + quantity, already_in_cart=already)
    cart_currency = _cart_currency(cart, excluding_variant=variant)
    if cart_currency and cart_currency != product.price_currency:
        raise CartError(
            f"{product.title} is priced in {product.price_currency} and your cart is in {cart_currency}; "
            "buy them in separate orders."
        )

    price = variant.unit_price_amount
    if line is None:
        line = LineItem.objects.create(
            cart=cart,
            product=product,
            variant=variant,
            option_values=variant.label,
            quantity=quantity,
            price_seen_amount=price,
        )
    else:
        line.quantity = already + quantity
        line.price_seen_amount = price
        line.save(update_fields=["quantity", "price_seen_amount", "updated_at"])
    cart.save(update_fields=["updated_at"])
    line.product = product
    line.variant = variant
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
    """Set a line of the visitor's cart to `quantity` (1..cap, no more than its variant has available); 404 for
    another's line."""
    cart, line = _visitor_line(user=user, session=session, line_id=line_id)
    _check_quantity_bounds(quantity)
    product = ProductPage.objects.get(pk=line.product_id)
    variant = ProductVariant.objects.with_availability().filter(pk=line.variant_id).first()
    if variant is None:
        raise CartError(f"{line.display_name} is no longer sold; remove it from your cart.")
    variant.product = product
    if not product.live:
        raise CartError(f"{product.title} is no longer on sale; remove it from your cart.")
    # Lowering a line is refused too while it still exceeds the stock: it would only fail later, at checkout.
    _check_available(variant, quantity)
    line.quantity = quantity
    # The cart page showed the current price beside the quantity the shopper just set.
    line.price_seen_amount = variant.unit_price_amount
    line.save(update_fields=["quantity", "price_seen_amount", "updated_at"])
    cart.save(update_fields=["updated_at"])
    line.product = product
    line.variant = variant
    return line


@transaction.atomic
def cart_remove_line(*, user: AbstractBaseUser | None, session: SessionBase, line_id: int) -> LineItem:
    """Delete a line of the visitor's cart and return it (for the message); 404 for another's line."""
    cart, line = _visitor_line(user=user, session=session, line_id=line_id)
    line.delete()
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def cart_drop_unsold_lines(*, cart: Cart) -> list[str]:
    """Delete the cart's lines whose variant an editor deleted; one message per line, naming what it was."""
    gone = list(LineItem.objects.select_for_update().filter(cart=cart, variant__isnull=True).select_related("product"))
    messages = [f"{line.display_name} is no longer sold and was removed from your cart." for line in gone]
    if gone:
        LineItem.objects.filter(pk__in=[line.pk for line in gone]).delete()
        cart.save(update_fields=["updated_at"])
    return messages


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
        existing = {line.variant_id: line for line in LineItem.objects.select_for_update().filter(cart=target)}
        target_currency = _cart_currency(target)
        cap = _cap()
        for line in incoming:
            product, variant = line.product, line.variant
            title = line.display_name
            if variant is None:
                outcome.dropped.append((title, "it is no longer sold"))
                continue
            if not product.live:
                outcome.dropped.append((title, "it is no longer on sale"))
                continue
            if target_currency and product.price_currency != target_currency:
                outcome.dropped.append(
                    (title, f"it is priced in {product.price_currency} and your cart in {target_currency}")
                )
                continue
            current = existing.get(variant.pk)
            wanted = line.quantity + (current.quantity if current else 0)
            available = variant.available_quantity
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
                    cart=target,
                    product=product,
                    variant=variant,
                    option_values=variant.label,
                    quantity=allowed,
                    price_seen_amount=line.price_seen_amount,
                )
            else:
                current.quantity = allowed
                current.save(update_fields=["quantity", "updated_at"])
            target_currency = target_currency or product.price_currency
        target.save(update_fields=["updated_at"])
    anonymous.delete()
    return outcome
