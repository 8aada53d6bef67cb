"""Reads that combine several models: the catalogue listing, the visitor's cart and its summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Sum, prefetch_related_objects

from billing.money import format_amount
from shop.models import Cart, LineItem, Order, ProductPage, StockHold
from shop.querysets import (
    CART_RENDITION,
    DEFAULT_PRODUCT_SORT,
    LINE_HAS_IMAGE_ANNOTATION,
    MAIN_IMAGE_ATTR,
    PRODUCT_SORTS,
    lines_with_availability,
    main_image_prefetch,
)

# The anonymous cart's id lives in the session data, which survives login's cycle_key().
CART_SESSION_KEY = "shop_cart_id"
SEARCH_QUERY_MAX_LENGTH = 100


@dataclass
class ProductListing:
    page: PaginatorPage
    query: str
    sort: str
    sort_choices: list[tuple[str, str]]

    @property
    def products(self):
        return self.page.object_list


def product_listing(*, index_page, params: Mapping[str, str]) -> ProductListing:
    """The live products under `index_page`, filtered by ?q=, ordered by ?sort=, one page of ?page=.

    Unknown sorts fall back to the default and bad page numbers to the first or last page: a listing URL never
    errors. The number of queries does not depend on how many products are shown.
    """
    query = (params.get("q") or "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    sort = params.get("sort") or DEFAULT_PRODUCT_SORT
    if sort not in PRODUCT_SORTS:
        sort = DEFAULT_PRODUCT_SORT

    products = ProductPage.objects.child_of(index_page).live().public()
    if query:
        # Wagtail search narrows the set; our own ordering, annotations and prefetches then apply as usual.
        matching_ids = [
            product.pk
            for product in ProductPage.objects.child_of(index_page)
            .live()
            .public()
            .search(query, order_by_relevance=False)
        ]
        products = products.filter(pk__in=matching_ids)
    products = products.sorted_by(sort)

    paginator = Paginator(products, settings.SHOP_PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    # The page's rows are chosen by a subquery that sorts and slices the bare rows; only those get their availability
    # and thumbnails. Still one query, but SQLite would otherwise work out availability for every product before
    # sorting them.
    page.object_list = (
        ProductPage.objects.filter(pk__in=page.object_list.values("pk")).for_listing_rows().sorted_by(sort)
    )
    return ProductListing(
        page=page,
        query=query,
        sort=sort,
        sort_choices=[(key, label) for key, (label, _ordering) in PRODUCT_SORTS.items()],
    )


def cart_find(*, user, session: SessionBase):
    """The visitor's cart, or None. Never creates one."""
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    cart_id = session.get(CART_SESSION_KEY)
    if not isinstance(cart_id, int):
        return None
    return Cart.objects.anonymous().filter(pk=cart_id).first()


def cart_item_count(*, user, session: SessionBase, summary: CartSummary | None = None) -> int | None:
    """Units in the visitor's cart for the header, in at most one query; None when the visitor has no cart yet.

    Given the `summary` of this visitor's cart that the view already built (`cart_summary_for`), no query at all.
    """
    if summary is not None:
        if (user is not None and user.is_authenticated) or isinstance(session.get(CART_SESSION_KEY), int):
            return summary.item_count
        return None
    if user is not None and user.is_authenticated:
        return LineItem.objects.filter(cart__user=user).item_count()
    cart_id = session.get(CART_SESSION_KEY)
    if not isinstance(cart_id, int):
        return None
    return LineItem.objects.filter(cart_id=cart_id, cart__user__isnull=True).item_count()


@dataclass
class CartLineView:
    line: object
    available_quantity: int
    max_quantity: int

    @property
    def problem(self) -> str:
        """Why this line cannot be bought as it stands, or "" when it can."""
        product = self.line.product
        if self.line.variant is None:
            return "No longer sold: remove it to continue."
        if not product.live:
            return "No longer on sale: remove it to continue."
        if self.available_quantity <= 0:
            return "Sold out: remove it to continue."
        if self.line.quantity > self.available_quantity:
            return f"Only {self.available_quantity} available now: lower the quantity to continue."
        return ""


@dataclass
class CartSummary:
    cart: object | None
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(view.line.quantity for view in self.lines)

    @property
    def currencies(self) -> list[str]:
        return sorted({view.line.currency for view in self.lines})

    @property
    def currency(self) -> str | None:
        """The cart's one currency; None when empty or (after an editor changed a price's currency) mixed."""
        currencies = self.currencies
        return currencies[0] if len(currencies) == 1 else None

    @property
    def subtotal_amount(self) -> int | None:
        """Sum of line totals in minor units; None when the lines are in more than one currency."""
        if self.currency is None:
            return 0 if not self.lines else None
        return sum(view.line.total_amount for view in self.lines)

    @property
    def subtotal_display(self) -> str:
        if self.subtotal_amount is None or self.currency is None:
            return ""
        return format_amount(self.subtotal_amount, self.currency)

    @property
    def has_problems(self) -> bool:
        return (self.currency is None and bool(self.lines)) or any(view.problem for view in self.lines)

    def as_json(self) -> dict:
        return {
            "item_count": self.item_count,
            "currency": self.currency,
            "subtotal": self.subtotal_amount,
            "subtotal_display": self.subtotal_display,
            "lines": [
                {
                    "id": view.line.pk,
                    "product": view.line.product_id,
                    "variant": view.line.variant_id,
                    "sku": view.line.variant.sku if view.line.variant else "",
                    "title": view.line.display_name,
                    "options": view.line.variant.label if view.line.variant else view.line.option_values,
                    "quantity": view.line.quantity,
                    "unit_price": view.line.unit_price_amount,
                    "total": view.line.total_amount,
                    "currency": view.line.currency,
                    "total_display": view.line.total_display,
                    "available": view.available_quantity,
                    "problem": view.problem,
                }
                for view in self.lines
            ],
        }


def checkout_held_by_user(*, user_id: int | None) -> dict[int, int]:
    """Units per variant that the user's pending orders hold right now (variant id -> quantity)."""
    if user_id is None:
        return {}
    holds = StockHold.objects.live().filter(order__user_id=user_id, order__status="pending")
    totals = holds.order_by().values("variant_id").annotate(total=Sum("quantity"))
    return {row["variant_id"]: row["total"] for row in totals}


def pending_order_for(*, user):
    """The user's newest order awaiting payment that still holds its stock, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Order.objects.for_user(user).pending().with_live_holds().order_by("-created_at", "-pk").first()


def cart_summary(cart) -> CartSummary:
    """The cart's lines with current prices and availability, in a fixed number of queries."""
    if cart is None:
        return CartSummary(cart=None)
    return _summary(cart, lines_with_availability(cart.lines.with_products()))


def cart_summary_for(*, user, session: SessionBase) -> CartSummary:
    """`cart_summary(cart_find(...))` with the cart read in the same query as its lines and products.

    An anonymous visitor's cart costs one query for its lines (two when it is empty); a signed-in one's adds the
    query for what their own checkout holds, and a cart with product images two more (the images and their cart
    thumbnails). Never creates a cart.
    """
    if user is not None and user.is_authenticated:
        lines = LineItem.objects.filter(cart__user_id=user.pk)
    else:
        cart_id = session.get(CART_SESSION_KEY)
        if not isinstance(cart_id, int):
            return CartSummary(cart=None)
        lines = LineItem.objects.filter(cart_id=cart_id, cart__user__isnull=True)
    lines = lines_with_availability(
        lines.select_related("cart").with_products().with_product_image_flag().prefetch_related(None)
    )
    if not lines:
        return cart_summary(cart_find(user=user, session=session))
    cart = lines[0].cart
    for line in lines:
        line.cart = cart
    with_images = [line for line in lines if getattr(line, LINE_HAS_IMAGE_ANNOTATION)]
    for line in lines:
        if not getattr(line, LINE_HAS_IMAGE_ANNOTATION):
            setattr(line.product, MAIN_IMAGE_ATTR, [])  # known to have none: ProductPage.main_image asks no query
    if with_images:
        prefetch_related_objects(with_images, main_image_prefetch("product__gallery_images", [CART_RENDITION]))
    return _summary(cart, lines)


def _summary(cart, lines: list) -> CartSummary:
    cap = settings.SHOP_MAX_QUANTITY_PER_LINE
    own_holds = checkout_held_by_user(user_id=cart.user_id)
    views = []
    for line in lines:
        # What the owner's own checkout holds is theirs to buy: it must not make their cart look sold out.
        # A line whose variant an editor deleted has none (the cart view drops it).
        available = 0 if line.variant is None else line.variant.available_quantity + own_holds.get(line.variant_id, 0)
        views.append(CartLineView(line=line, available_quantity=available, max_quantity=max(min(cap, available), 1)))
    return CartSummary(cart=cart, lines=views)
