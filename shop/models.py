import re

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.search import index

from shop.money import format_money
from shop.querysets import (
    AVAILABLE_ANNOTATION,
    CartQuerySet,
    LineItemQuerySet,
    ProductPageQuerySet,
    held_quantity_expression,
)

CURRENCY_CHOICES = [
    ("USD", "US dollar (USD)"),
    ("EUR", "Euro (EUR)"),
    ("GBP", "Pound sterling (GBP)"),
    ("JPY", "Japanese yen (JPY)"),
]


def default_currency() -> str:
    return settings.SHOP_DEFAULT_CURRENCY


def max_quantity_per_line() -> int:
    return settings.SHOP_MAX_QUANTITY_PER_LINE


class ShopIndexPage(Page):
    """The catalogue at /shop/: live products, paginated, sortable and searchable."""

    intro = RichTextField(blank=True, help_text="Shown above the product list.")

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["website.HomePage"]
    subpage_types = ["shop.ProductPage"]
    max_count = 1

    class Meta:
        verbose_name = "shop index page"

    def get_context(self, request, *args, **kwargs):
        from shop.selectors import product_listing

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = product_listing(index_page=self, params=request.GET)
        return context


class ProductPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].required = True


class ProductPage(Page):
    """One product for sale. Price in integer minor units of `price_currency` (1250 USD = $12.50; 1250 JPY = ¥1,250)."""

    sku = models.CharField(
        "SKU",
        max_length=64,
        unique=True,
        # A copy of a product leaves the SKU behind (it must stay unique), so the column allows NULL until an
        # editor gives the copy its own; the admin form always requires one.
        null=True,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "Use letters, digits, dots, dashes and underscores.")
        ],
        help_text="Stock keeping unit; unique across the shop.",
    )
    summary = models.CharField(max_length=255, blank=True, help_text="One or two sentences for listings.")
    body = RichTextField(blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price_amount = models.PositiveIntegerField(
        "price",
        validators=[MinValueValidator(1)],
        help_text="In the currency's smallest unit: cents for USD, EUR and GBP (1250 = 12.50), yen for JPY.",
    )
    price_currency = models.CharField("currency", max_length=3, choices=CURRENCY_CHOICES, default=default_currency)
    stock_on_hand = models.PositiveIntegerField(default=0, help_text="Units in the warehouse that can be sold.")

    objects = PageManager.from_queryset(ProductPageQuerySet)()

    content_panels = Page.content_panels + [
        FieldPanel("sku"),
        FieldPanel("summary"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("price_amount"), FieldPanel("price_currency")]), FieldPanel("stock_on_hand")],
            heading="Price and stock",
        ),
        FieldPanel("body"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("sku"),
        index.AutocompleteField("sku"),
        index.SearchField("sku_search_terms"),
        index.AutocompleteField("sku_search_terms"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("price_amount"),
        index.FilterField("price_currency"),
        index.FilterField("stock_on_hand"),
    ]

    parent_page_types = ["shop.ShopIndexPage"]
    subpage_types = []
    exclude_fields_in_copy = ["sku"]
    base_form_class = ProductPageForm

    class Meta:
        verbose_name = "product page"

    def sku_search_terms(self) -> str:
        """The SKU also split at its separators and run together, so "PEN-77", "PEN 77" and "PEN77" all find it.

        PostgreSQL's text search reads "PEN-77" as "pen" and the number "-77", so without the split parts
        a search for the SKU as printed would miss it.
        """
        if not self.sku:
            return ""
        parts = [part for part in re.split(r"[^A-Za-z0-9]+", self.sku) if part]
        return " ".join(dict.fromkeys([self.sku, *parts, "".join(parts)]))

    @property
    def price_display(self) -> str:
        return format_money(self.price_amount, self.price_currency)

    @property
    def available_quantity(self) -> int:
        """Units that can be bought now: stock on hand minus live holds (see shop.querysets)."""
        annotated = getattr(self, AVAILABLE_ANNOTATION, None)
        if annotated is not None:
            return annotated
        # Not fetched through with_availability(): read the holds alone and trust this instance's stock figure,
        # which is what an editor previewing unsaved changes (or a brand-new product) expects to see.
        held = 0
        if self.pk is not None:
            held = (
                ProductPage.objects.filter(pk=self.pk)
                .annotate(held=held_quantity_expression())
                .values_list("held", flat=True)
                .first()
                or 0
            )
        return max((self.stock_on_hand or 0) - held, 0)

    @property
    def max_orderable_quantity(self) -> int:
        """The most one cart line may hold now: the per-line cap or what is available, whichever is lower."""
        return min(max_quantity_per_line(), self.available_quantity)

    @property
    def is_sold_out(self) -> bool:
        return self.available_quantity <= 0

    @property
    def availability_label(self) -> str:
        available = self.available_quantity
        if available <= 0:
            return "Sold out"
        if available <= settings.SHOP_LOW_STOCK_THRESHOLD:
            return f"Only {available} left"
        return "In stock"

    @property
    def availability_level(self) -> str:
        """One of out, low or in: the CSS modifier for the availability label."""
        available = self.available_quantity
        if available <= 0:
            return "out"
        if available <= settings.SHOP_LOW_STOCK_THRESHOLD:
            return "low"
        return "in"

    def get_context(self, request, *args, **kwargs):
        from shop.forms import AddToCartForm

        context = super().get_context(request, *args, **kwargs)
        context["add_to_cart_form"] = AddToCartForm(product=self)
        return context


class Cart(models.Model):
    """A shopper's cart: owned by a user, or by a browser session (its id kept in the session data) when anonymous."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = CartQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        owner = self.user.get_username() if self.user_id else "anonymous"
        return f"Cart {self.pk} ({owner})"


class LineItem(models.Model):
    """One product in a cart. Its price is always read from the product, never stored from a request."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(ProductPage, on_delete=models.CASCADE, related_name="line_items")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LineItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="shop_lineitem_one_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_lineitem_quantity_positive"),
        ]
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.quantity} of {self.product.title}"

    @property
    def currency(self) -> str:
        return self.product.price_currency

    @property
    def unit_price_amount(self) -> int:
        return self.product.price_amount

    @property
    def total_amount(self) -> int:
        return self.product.price_amount * self.quantity

    @property
    def unit_price_display(self) -> str:
        return format_money(self.unit_price_amount, self.currency)

    @property
    def total_display(self) -> str:
        return format_money(self.total_amount, self.currency)
