import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Min, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from billing.forms import MINIMUM_CHARGE, MoneyField, MoneyInput
from billing.money import CURRENCY_CHOICES, format_amount
from serving.routing import ServedPage
from shop.countries import country_name, parse_country_codes
from shop.querysets import (
    AVAILABLE_ANNOTATION,
    FIRST_HOLD_EXPIRY_ANNOTATION,
    HAS_GALLERY_ANNOTATION,
    MAIN_IMAGE_ATTR,
    PRICE_RANGE_ANNOTATIONS,
    STOCK_ANNOTATION,
    CartQuerySet,
    LineItemQuerySet,
    OrderQuerySet,
    ProductPageQuerySet,
    ProductVariantQuerySet,
    StockHoldQuerySet,
    gallery_images_with_renditions,
    product_available_expression,
)
from shop.statuses import OrderStatus

if TYPE_CHECKING:
    from shop.purge import PurgeResult


def default_currency() -> str:
    return settings.SHOP_DEFAULT_CURRENCY


def max_quantity_per_line() -> int:
    return settings.SHOP_MAX_QUANTITY_PER_LINE


STOCK_HELP = (
    "Stock is live data, kept outside the page's revisions: change it under Shop → Stock (or with the product "
    "listing's Stock link). A change applies at once; publishing a revision never touches it."
)
VARIANTS_HELP = (
    "Without options the product is sold as one variant, with the product's SKU, made for you. With options "
    "(at most three, e.g. Size: S, M, L, XL), add one variant per combination you sell: each value must be one of "
    "its option's, in the options' order (first option, second, third), each with its own SKU. Removing a variant "
    "stops its sale once published: its stock goes, carts drop it, past orders keep their copy."
)

# Shopify's limit: three options make up to hundreds of combinations already.
MAX_OPTIONS = 3
SKU_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "Use letters, digits, dots, dashes and underscores.")


def split_option_values(text: str) -> list[str]:
    """ "S, M , L,, XL" -> ["S", "M", "L", "XL"]: an option's choices in the editor's order, blanks dropped."""
    return [value.strip() for value in (text or "").split(",") if value.strip()]


def seconds_until_first_hold_expires(*, product_id: int | None = None) -> float | None:
    """Seconds until the earliest live stock hold (of one product, or of any) runs out; None when none is held."""
    holds = StockHold.objects.live()
    if product_id is not None:
        holds = holds.filter(product_id=product_id)
    first = holds.aggregate(first=Min("expires_at"))["first"]
    return None if first is None else max((first - timezone.now()).total_seconds(), 0)


class ShopIndexPage(ServedPage, Page):
    """The catalogue at /shop/: live products, paginated, sortable and searchable."""

    intro = RichTextField(blank=True, help_text="Shown above the product list.")

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["website.HomePage"]
    subpage_types = ["shop.ProductPage"]
    max_count = 1

    class Meta:
        verbose_name = "shop index page"

    # What the listing reads from the query string (website.page_cache keys on these alone).
    cache_query_params = ("q", "sort", "page")

    def get_context(self, request, *args, **kwargs):
        from shop.selectors import product_listing  # here: shop.selectors imports this module

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = product_listing(index_page=self, params=request.GET)
        return context

    def cache_seconds_until_change(self) -> float | None:
        """Availability on the listing changes when a stock hold runs out (no event marks it): until the first."""
        return seconds_until_first_hold_expires()


class ProductPageForm(WagtailAdminPageForm):
    """Checks options and variants together (a child form alone cannot): see `clean`."""

    # Typed and shown as the price reads ("42.00"), stored in minor units; a product alone must be chargeable.
    price_amount = MoneyField(currency_field="price_currency", minimum=MINIMUM_CHARGE, label="Price")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].required = True
        # A variant's own price is typed as it reads too, in the product's currency, which is this form's field: the
        # child forms (built by the InlinePanel, which takes no form class) get their price field from here.
        variants = self.formsets.get("variants")
        for form in variants.forms if variants is not None else ():
            form.fields["price_amount"] = self.variant_price_field()

    def variant_price_field(self) -> MoneyField:
        return MoneyField(
            currency_source=lambda: self["price_currency"].value(),
            minimum=MINIMUM_CHARGE,
            required=False,
            label="Price",
            help_text="Optional, as it reads in the product's currency (42.00); empty: the product's price.",
        )

    def clean(self):
        cleaned_data = super().clean()
        from shop.variants import variant_forms_check  # here: shop.variants imports this module

        variant_forms_check(form=self, product=self.instance, sku=cleaned_data.get("sku"))
        return cleaned_data


class ProductPage(ServedPage, Page):
    """One product for sale. Price in integer minor units of `price_currency` (1250 USD = $12.50; 1250 JPY = ¥1,250)."""

    sku = models.CharField(
        "SKU",
        max_length=64,
        unique=True,
        # A copy of a product leaves the SKU behind (it must stay unique), so the column allows NULL until an
        # editor gives the copy its own; the admin form always requires one.
        null=True,
        blank=True,
        validators=[SKU_VALIDATOR],
        help_text="Stock keeping unit; unique across the shop.",
    )
    summary = models.CharField(max_length=255, blank=True, help_text="One or two sentences for listings.")
    body = RichTextField(blank=True)
    price_amount = models.PositiveIntegerField(
        "price",
        validators=[MinValueValidator(1)],
        help_text="In the currency's smallest unit: cents for USD, EUR and GBP (1250 = 12.50), yen for JPY.",
    )
    price_currency = models.CharField("currency", max_length=3, choices=CURRENCY_CHOICES, default=default_currency)
    requires_shipping = models.BooleanField(
        default=True,
        help_text="Untick for digital goods and services: a cart of those alone checks out without an address.",
    )

    objects = PageManager.from_queryset(ProductPageQuerySet)()

    content_panels = Page.content_panels + [
        FieldPanel("sku"),
        FieldPanel("summary"),
        InlinePanel(
            "gallery_images",
            heading="Images",
            label="Image",
            help_text="The first image is the product's picture on the shop page, in the cart and when shared. "
            "Drag to reorder. Shown at 4:3, cropped around the image's focal point.",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("price_amount"), FieldPanel("price_currency")]), HelpPanel(STOCK_HELP)],
            heading="Price and stock",
        ),
        MultiFieldPanel(
            [
                HelpPanel(VARIANTS_HELP),
                InlinePanel("options", heading="Options", label="Option", max_num=MAX_OPTIONS),
                InlinePanel("variants", heading="Variants", label="Variant"),
            ],
            heading="Options and variants",
        ),
        FieldPanel("requires_shipping"),
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
        index.FilterField("requires_shipping"),
    ]

    parent_page_types = ["shop.ShopIndexPage"]
    subpage_types = []
    # Variants' SKUs are unique across the shop, like the product's: a copy starts without them (and its options'
    # combinations are added again by the editor, or it gets its implicit variant once it has its own SKU).
    exclude_fields_in_copy = ["sku", "variants"]
    base_form_class = ProductPageForm

    class Meta:
        verbose_name = "product page"

    @classmethod
    def serving_queryset(cls):
        """Served with its availability and the end of its first stock hold in the page's own query, and its gallery
        with the renditions the page shows in two more, whatever the number of images."""
        return cls.objects.with_availability().with_first_hold_expiry().with_gallery_flag()

    @cached_property
    def gallery(self) -> list["ProductImage"]:
        """The gallery images in order, with the renditions the product page shows: two queries, or none when the
        serving query found there are none (`with_gallery_flag()`). A preview's unsaved gallery comes from memory.
        """
        if getattr(self, HAS_GALLERY_ANNOTATION, True) is False:
            return []
        if self.pk is None:  # previewing a new product: its gallery is in memory only
            return list(self.gallery_images.all())
        prefetch_related_objects([self], Prefetch("gallery_images", queryset=gallery_images_with_renditions()))
        return list(self.gallery_images.all())

    @property
    def main_image(self) -> "ProductImage | None":
        """The first gallery image: the product's picture on listings, in the cart and when shared; None without.

        Reads what a listing or cart prefetched (`with_main_image()`), else the product page's `gallery`.
        """
        first_only = getattr(self, MAIN_IMAGE_ATTR, None)
        return next(iter(first_only if first_only is not None else self.gallery), None)

    def save(self, *args, **kwargs):
        """A product without options gets its one implicit variant (the product's SKU) when saved with its children:
        created, or published (a revision's children are saved with it). Drafts never reach the variant rows."""
        if kwargs.get("update_fields") is None:
            self.implicit_variant_sync()
        return super().save(*args, **kwargs)

    def implicit_variant_sync(self) -> None:
        """No options: exactly one variant, no option values, the product's SKU (kept in step when the SKU changes).
        With options, the editor's variants stand as they are. A product without a SKU (a fresh copy) waits."""
        if not self.sku or list(self.options.all()):
            return
        variants = list(self.variants.all())
        if not variants:
            self.variants.add(ProductVariant(sku=self.sku))
            return
        if len(variants) == 1 and not variants[0].label and variants[0].sku != self.sku:
            variants[0].sku = self.sku
            self.variants.set(variants)

    @property
    def stock_on_hand(self) -> int:
        """Units in the warehouse across the variants (their `Stock` rows): live data, never part of a revision."""
        annotated = getattr(self, STOCK_ANNOTATION, None)
        if annotated is not None:
            return annotated
        if self.pk is None:
            return 0
        return sum(Stock.objects.filter(variant__product_id=self.pk).values_list("quantity", flat=True))

    def cache_seconds_until_change(self) -> float | None:
        """Availability here changes when one of its stock holds runs out (no event marks it): until the first."""
        if hasattr(self, FIRST_HOLD_EXPIRY_ANNOTATION):  # served through serving_queryset()
            first = getattr(self, FIRST_HOLD_EXPIRY_ANNOTATION)
            return None if first is None else max((first - timezone.now()).total_seconds(), 0)
        return seconds_until_first_hold_expires(product_id=self.pk)

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
        return format_amount(self.price_amount, self.price_currency)

    @property
    def available_quantity(self) -> int:
        """Units that can be bought now: stock on hand minus live holds (see shop.querysets)."""
        annotated = getattr(self, AVAILABLE_ANNOTATION, None)
        if annotated is not None:
            return annotated
        # Not fetched through with_availability() (the page Wagtail routed to, a preview): one query for stock and
        # holds, kept on this instance (one request's) so the template's several readers share it.
        if self.pk is None:
            return 0
        available = (
            ProductPage.objects.filter(pk=self.pk)
            .annotate(available=product_available_expression())
            .values_list("available", flat=True)
            .first()
        ) or 0
        setattr(self, AVAILABLE_ANNOTATION, available)
        return available

    @property
    def price_from_amount(self) -> int:
        """The lowest variant price (the product's price when no variant has its own)."""
        low = getattr(self, PRICE_RANGE_ANNOTATIONS[0], None)
        if low is not None:
            return low
        prices = [variant.unit_price_amount for variant in self.variants.all()]
        return min(prices) if prices else self.price_amount

    @property
    def has_price_range(self) -> bool:
        """Variant prices differ: listings say "from $X"."""
        low, high = (getattr(self, name, None) for name in PRICE_RANGE_ANNOTATIONS)
        if low is None or high is None:
            prices = {variant.unit_price_amount for variant in self.variants.all()}
            return len(prices) > 1
        return low != high

    @property
    def price_from_display(self) -> str:
        return format_amount(self.price_from_amount, self.price_currency)

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
        from shop.forms import AddToCartForm  # here: shop.forms imports this module
        from shop.variants import product_choices  # here: shop.variants imports this module

        context = super().get_context(request, *args, **kwargs)
        context["add_to_cart_form"] = AddToCartForm(product=self)
        choices = product_choices(self)
        context["variant_options"] = choices.options_for_form()
        context["variant_data"] = {
            **choices.as_json(self.price_currency),
            "low_stock_threshold": settings.SHOP_LOW_STOCK_THRESHOLD,
            "max_per_line": max_quantity_per_line(),
        }
        return context


class ProductOption(Orderable):
    """One way a product varies (Size: S, M, L, XL), edited on the product page. Its position (first, second, third
    option) says which of a variant's `option1..3` holds its value.

    Its values are one comma-separated field rather than rows of their own: Wagtail documents no nested inline
    panels, and an editor types "S, M, L, XL" faster than four rows.
    """

    product = ParentalKey("shop.ProductPage", on_delete=models.CASCADE, related_name="options")
    name = models.CharField(max_length=50, help_text="What the shopper chooses, e.g. Size or Colour.")
    values = models.CharField(
        max_length=500, help_text="The choices in the order shown, separated by commas: S, M, L, XL."
    )

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("values")])]

    class Meta(Orderable.Meta):
        verbose_name = "option"

    def __str__(self):
        return f"{self.name}: {self.values}"

    @property
    def value_list(self) -> list[str]:
        return split_option_values(self.values)


class ProductVariant(Orderable):
    """One combination of a product's options that is sold (M, Oat), with its own SKU and optional price.

    A product without options has exactly one variant (the "implicit" one: no option values, the product's SKU),
    made by `ProductPage.save()`, so carts, holds, stock and orders only ever deal with variants.

    A child of the page (ParentalKey): edited on the product page, kept in its revisions with its id, so the id is
    stable from one revision to the next. Its stock is not in the revision: `Stock` points at the variant. Deleting
    a variant (an editor removes it and publishes) deletes its stock row and holds; cart lines lose it (the cart
    drops them with a message) and order lines keep their snapshot. Publishing an old revision that still has a
    since-deleted variant brings it back under its old id with no stock row (nothing on hand); one that lacks a
    variant deletes it, as an editor's removal does; stock of the variants both have is never touched.
    """

    product = ParentalKey("shop.ProductPage", on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(
        "SKU",
        max_length=64,
        unique=True,
        validators=[SKU_VALIDATOR],
        help_text="Unique across the shop. A product without options: its own SKU, set for you.",
    )
    option1 = models.CharField("first option", max_length=64, blank=True)
    option2 = models.CharField("second option", max_length=64, blank=True)
    option3 = models.CharField("third option", max_length=64, blank=True)
    price_amount = models.PositiveIntegerField(
        "price",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Optional, in the product's currency and units; empty: the product's price.",
    )

    panels = [
        FieldRowPanel([FieldPanel("option1"), FieldPanel("option2"), FieldPanel("option3")]),
        # A text box, as the product's price: the product's form makes it a MoneyField (ProductPageForm).
        FieldRowPanel([FieldPanel("sku"), FieldPanel("price_amount", widget=MoneyInput)]),
    ]

    objects = ProductVariantQuerySet.as_manager()

    wagtail_reference_index_ignore = True

    class Meta(Orderable.Meta):
        verbose_name = "variant"

    def __str__(self):
        label = self.label
        return f"{self.product.title} — {label}" if label else self.product.title

    @property
    def option_values(self) -> list[str]:
        return [value for value in (self.option1, self.option2, self.option3) if value]

    @property
    def label(self) -> str:
        """ "M, Oat"; "" for a product's implicit variant."""
        return ", ".join(self.option_values)

    @property
    def unit_price_amount(self) -> int:
        return self.product.price_amount if self.price_amount is None else self.price_amount

    @property
    def price_display(self) -> str:
        return format_amount(self.unit_price_amount, self.product.price_currency)

    @property
    def stock_on_hand(self) -> int:
        annotated = getattr(self, STOCK_ANNOTATION, None)
        if annotated is not None:
            return annotated
        if self.pk is None:
            return 0
        return Stock.objects.filter(variant_id=self.pk).values_list("quantity", flat=True).first() or 0

    @property
    def available_quantity(self) -> int:
        """Units that can be bought now: stock on hand minus live holds (see shop.querysets)."""
        annotated = getattr(self, AVAILABLE_ANNOTATION, None)
        if annotated is not None:
            return annotated
        if self.pk is None:
            return 0
        available = (
            ProductVariant.objects.filter(pk=self.pk).with_availability().values_list(AVAILABLE_ANNOTATION, flat=True)
        ).first() or 0
        setattr(self, AVAILABLE_ANNOTATION, available)
        return available


def variant_display_name(title: str, label: str) -> str:
    """What a line is called in the cart, on the order and at Stripe: "Organic cotton tee — M, Oat"."""
    return f"{title} — {label}" if label else title


class ProductImage(Orderable):
    """One picture in a product's gallery, in the order editors give them; the first is the product's main image."""

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    # Required, not the image's title: titles are file names more often than descriptions ("IMG_2041"), and the
    # same picture may need other words on another product.
    alt_text = models.CharField(
        "alt text",
        max_length=255,
        help_text="What the picture shows, for people who cannot see it (e.g. “Blue mug, side view, on oak”).",
    )

    panels = [FieldPanel("image"), FieldPanel("alt_text")]

    class Meta(Orderable.Meta):
        verbose_name = "product image"

    def __str__(self):
        return self.alt_text


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

    # Carts come and go by the thousand (see purge_stale); they link to no content an editor needs to trace.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        owner = self.user.get_username() if self.user_id else "anonymous"
        return f"Cart {self.pk} ({owner})"

    @classmethod
    def purge_stale(
        cls, older_than: timedelta | None = None, *, batch_size: int | None = None, dry_run: bool = False
    ) -> "PurgeResult":
        """Delete carts idle longer than `older_than` (default SHOP_CART_STALE_AFTER) and their lines, in batches,
        keeping any with a checkout in progress. Returns (and logs) the counts. See shop.purge.
        """
        from shop.purge import carts_purge_stale  # here: shop.purge imports this module

        return carts_purge_stale(older_than=older_than, batch_size=batch_size, dry_run=dry_run)


class LineItem(models.Model):
    """One variant of a product in a cart. Its price is always read from the variant (or its product), never stored
    from a request.

    `product` is the variant's product, kept beside it: when an editor deletes the variant (`variant` becomes NULL)
    the line still says what it was, and the cart drops it with a message naming `option_values`.
    """

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(ProductPage, on_delete=models.CASCADE, related_name="line_items")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="line_items"
    )
    # The variant's option values when the line was added ("M, Oat"), to name it once the variant is gone.
    option_values = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The unit price the shopper was last shown for this line (added, changed, or told at checkout). Checkout
    # compares it with the product's price now and stops to tell the shopper when they differ.
    price_seen_amount = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LineItemQuerySet.as_manager()

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="shop_lineitem_one_line_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_lineitem_quantity_positive"),
        ]
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.quantity} of {self.display_name}"

    @property
    def display_name(self) -> str:
        """ "Organic cotton tee — M, Oat"."""
        label = self.variant.label if self.variant_id else self.option_values
        return variant_display_name(self.product.title, label)

    @property
    def currency(self) -> str:
        return self.product.price_currency

    @property
    def unit_price_amount(self) -> int:
        if self.variant_id and self.variant.price_amount is not None:
            return self.variant.price_amount
        return self.product.price_amount

    @property
    def total_amount(self) -> int:
        return self.unit_price_amount * self.quantity

    @property
    def unit_price_display(self) -> str:
        return format_amount(self.unit_price_amount, self.currency)

    @property
    def total_display(self) -> str:
        return format_amount(self.total_amount, self.currency)


class Order(models.Model):
    """What a shopper bought (or is paying for): made from the cart at checkout, paid through billing.

    A guest's order has no user until its payment is confirmed; then it belongs to the account with the e-mail
    address Stripe Checkout collected (made there and then if there is none; see shop.receivers).

    The price lives on the order's lines, snapshotted at checkout; billing charges `total_amount` in `currency`.
    """

    Status = OrderStatus

    number = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    email = models.EmailField(blank=True, help_text="Where the confirmation goes; copied from the account.")
    # A guest's order: the id of the anonymous cart it was made from, so payment deletes that cart and the purge
    # keeps it while the checkout is under way. A plain number, not a foreign key: the purge deletes carts in bulk
    # SQL (shop.purge) and the cart may be gone long before the order.
    guest_cart_pk = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    total_amount = models.PositiveIntegerField(help_text="In the currency's smallest unit.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it expired or was canceled.")
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.CharField(max_length=500, blank=True)
    # Set once the sold units went back on the shelf after a refund, so they never go back twice.
    restocked_at = models.DateTimeField(null=True, blank=True)

    # Shipping, snapshotted from the paid Checkout Session like the prices: a rate edited or deleted later does not
    # change what this buyer chose and paid. `total_amount` includes `shipping_amount` once paid.
    requires_shipping = models.BooleanField(default=False, help_text="False for an order of digital goods alone.")
    shipping_rate = models.ForeignKey(
        "shop.ShippingRate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipping_rate_name = models.CharField("shipping rate", max_length=100, blank=True)
    shipping_estimate = models.CharField("delivery estimate", max_length=100, blank=True)
    shipping_amount = models.PositiveIntegerField(default=0, help_text="In the currency's smallest unit.")
    shipping_name = models.CharField("ship to", max_length=200, blank=True)
    shipping_line1 = models.CharField("address line 1", max_length=200, blank=True)
    shipping_line2 = models.CharField("address line 2", max_length=200, blank=True)
    shipping_city = models.CharField("city", max_length=100, blank=True)
    shipping_state = models.CharField("state or region", max_length=100, blank=True)
    shipping_postal_code = models.CharField("postal code", max_length=20, blank=True)
    shipping_country = models.CharField("country", max_length=2, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField("tracking URL", max_length=500, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="shop_order_user_created")]
        constraints = [models.CheckConstraint(condition=Q(total_amount__gt=0), name="shop_order_total_positive")]
        permissions = [("refund_order", "Can refund orders"), ("ship_order", "Can mark orders shipped")]

    def __str__(self):
        return f"Order {self.number}"

    def get_absolute_url(self):
        return reverse("shop:order_detail", args=[self.pk])

    @property
    def total_display(self) -> str:
        return format_amount(self.total_amount, self.currency)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def status_description(self) -> str:
        return self.Status(self.status).description

    @property
    def subtotal_amount(self) -> int:
        return self.total_amount - self.shipping_amount

    @property
    def subtotal_display(self) -> str:
        return format_amount(self.subtotal_amount, self.currency)

    @property
    def shipping_display(self) -> str:
        return format_amount(self.shipping_amount, self.currency)

    @property
    def shipping_address_lines(self) -> list[str]:
        """The address as printed on a label: name, street, town, country; empty parts left out."""
        town = " ".join(part for part in (self.shipping_postal_code, self.shipping_city) if part)
        lines = [self.shipping_name, self.shipping_line1, self.shipping_line2, town, self.shipping_state]
        if self.shipping_country:
            lines.append(country_name(self.shipping_country))
        return [line for line in lines if line]

    @property
    def is_complete(self) -> bool:
        """Nothing left to do: delivered, or paid for goods that are not shipped."""
        return self.status == self.Status.DELIVERED or (self.status == self.Status.PAID and not self.requires_shipping)

    # --- billing.payables: what billing needs to take a payment (shop.receivers hears the outcome) ---
    def payment_amount(self) -> int:
        return self.total_amount

    def payment_currency(self) -> str:
        return self.currency

    def payment_description(self) -> str:
        return f"Order {self.number}"

    @property
    def items_summary(self) -> str:
        """ "2 x Organic cotton tee — M, Oat (TEE-M-OAT); 1 x ...": the order's lines in one cell, for the CSV."""
        return "; ".join(
            f"{line.quantity} x {line.display_name}" + (f" ({line.sku})" if line.sku else "")
            for line in self.lines.all()
        )

    @property
    def is_guest_order(self) -> bool:
        return self.user_id is None

    def can_be_paid_by(self, user) -> bool:
        """Only its buyer (a guest's order: a payer who is not signed in), only while pending and its stock is still
        held (else checkout must start again)."""
        signed_in = user is not None and user.is_authenticated
        buyer = (not signed_in) if self.user_id is None else (signed_in and user.pk == self.user_id)
        if not (self.is_pending and buyer):
            return False
        return self.holds.live().exists()

    def payment_success_url(self) -> str:
        return self.get_absolute_url()

    def payment_cancel_url(self) -> str:
        return reverse("shop:cart")

    def payment_confirms_itself(self) -> bool:
        """The order's page says it is paid (its notice for the order's status), so billing adds no "Thank you"."""
        return True

    def payment_line_items(self):
        """One Checkout line per order line (billing.payables.PaymentLine), so Stripe's page lists the products."""
        from shop.shipping import order_payment_lines  # here: shop.shipping imports this module

        return order_payment_lines(self)

    def payment_shipping(self):
        """Where this order may go and the rates it may go at (billing.payables.ShippingTerms), or None."""
        from shop.shipping import order_shipping_terms  # here: shop.shipping imports this module

        return order_shipping_terms(self)


class OrderLine(models.Model):
    """One variant of a product on an order, as it was at checkout: title, option values, SKU and unit price are
    copies, never looked up. `product` and `variant` only link to them while they exist."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(ProductPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    title = models.CharField(max_length=255)
    option_values = models.CharField("options", max_length=255, blank=True, help_text="The variant's, e.g. M, Oat.")
    sku = models.CharField("SKU", max_length=64, blank=True)
    unit_price_amount = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    requires_shipping = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_orderline_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} of {self.display_name}"

    @property
    def display_name(self) -> str:
        return variant_display_name(self.title, self.option_values)

    @property
    def total_amount(self) -> int:
        return self.unit_price_amount * self.quantity

    @property
    def unit_price_display(self) -> str:
        return format_amount(self.unit_price_amount, self.order.currency)

    @property
    def total_display(self) -> str:
        return format_amount(self.total_amount, self.order.currency)


class StockHold(models.Model):
    """Units of a variant set aside for a pending order while its buyer pays (`product` is the variant's).

    A row exists only while it holds: payment turns it into a sale (stock_on_hand goes down) and deletes it;
    expiry, cancelling or the sweep deletes it. Past `expires_at` it no longer counts, even before the sweep.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    product = models.ForeignKey(ProductPage, on_delete=models.CASCADE, related_name="stock_holds")
    # Deleting the variant deletes the hold: a payment that still arrives finds no stock and is refunded.
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="stock_holds")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StockHoldQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "variant"], name="shop_stockhold_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_stockhold_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["product", "expires_at"], name="shop_stockhold_product_live"),
            models.Index(fields=["variant", "expires_at"], name="shop_stockhold_variant_live"),
        ]

    def __str__(self):
        return f"{self.quantity} of variant {self.variant_id} for order {self.order_id}"


def default_shipping_countries() -> str:
    return " ".join(settings.SHOP_SHIPPING_COUNTRIES)


def validate_country_codes(text: str) -> None:
    try:
        parse_country_codes(text)
    except ValueError as error:
        raise ValidationError(str(error)) from None


@register_setting(icon="site")
class ShippingSettings(BaseGenericSetting):
    """Where the shop ships to: Stripe Checkout asks for an address in one of these countries only."""

    countries = models.CharField(
        max_length=1000,
        default=default_shipping_countries,
        validators=[validate_country_codes],
        help_text="Two-letter country codes, separated by spaces or commas (US CA GB).",
    )

    panels = [FieldPanel("countries")]

    class Meta:
        verbose_name = "shipping countries"

    @property
    def country_codes(self) -> list[str]:
        try:
            return parse_country_codes(self.countries)
        except ValueError:
            return []


class ShippingRateForm(WagtailAdminModelForm):
    # Amounts typed and shown as they read ("4.95"), stored in minor units of the rate's currency; free is 0.
    amount = MoneyField(currency_field="currency", label="Amount")
    free_over_amount = MoneyField(
        currency_field="currency",
        required=False,
        label="Free over",
        help_text="Optional: orders whose products come to at least this much ship free at this rate (e.g. 50.00).",
    )


class ShippingRate(models.Model):
    """A way to send an order, at a price, to some countries: editors manage them under Snippets."""

    name = models.CharField(max_length=100, help_text="What the buyer sees, e.g. Standard or Express.")
    amount = models.PositiveIntegerField(
        help_text="In the currency's smallest unit: cents for USD, EUR and GBP (495 = 4.95), yen for JPY."
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=default_currency)
    countries = models.CharField(
        max_length=1000,
        validators=[validate_country_codes],
        help_text="Two-letter codes of the countries this rate serves (US CA); each must be a shipping country.",
    )
    min_days = models.PositiveSmallIntegerField(
        "delivery from", default=1, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="Working days."
    )
    max_days = models.PositiveSmallIntegerField(
        "delivery up to",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Working days.",
    )
    free_over_amount = models.PositiveIntegerField(
        "free over",
        null=True,
        blank=True,
        help_text="Optional: orders whose products come to at least this much (same units) ship free at this rate.",
    )
    active = models.BooleanField(default=True, help_text="Untick to stop offering it without deleting it.")

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("currency")]),
        FieldPanel("countries"),
        FieldRowPanel([FieldPanel("min_days"), FieldPanel("max_days")]),
        FieldPanel("free_over_amount"),
        FieldPanel("active"),
    ]

    base_form_class = ShippingRateForm

    class Meta:
        ordering = ["currency", "amount", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_days__gte=F("min_days")), name="shop_shippingrate_days_ordered"),
        ]

    def __str__(self):
        return f"{self.name} ({format_amount(self.amount, self.currency)})"

    @property
    def amount_display(self) -> str:
        return format_amount(self.amount, self.currency)

    @property
    def free_over_display(self) -> str:
        return "" if self.free_over_amount is None else format_amount(self.free_over_amount, self.currency)

    def clean(self):
        super().clean()
        if self.min_days and self.max_days and self.max_days < self.min_days:
            raise ValidationError({"max_days": "Must be at least the 'delivery from' days."})
        try:
            codes = parse_country_codes(self.countries)
        except ValueError:
            return  # the field's own validator says why
        served = set(ShippingSettings.load().country_codes)
        outside = [code for code in codes if code not in served]
        if outside:
            raise ValidationError(
                {"countries": f"The shop does not ship to {', '.join(outside)}; add it to the shipping countries."}
            )

    @property
    def country_codes(self) -> list[str]:
        try:
            return parse_country_codes(self.countries)
        except ValueError:
            return []

    @property
    def delivery_estimate(self) -> str:
        if self.min_days == self.max_days:
            return f"{self.min_days} business day{'s' if self.min_days != 1 else ''}"
        return f"{self.min_days} to {self.max_days} business days"

    def amount_for(self, subtotal_amount: int) -> int:
        """What this rate costs an order whose products come to `subtotal_amount` (same currency)."""
        if self.free_over_amount is not None and subtotal_amount >= self.free_over_amount:
            return 0
        return self.amount


class OrderEvent(models.Model):
    """One step in an order's life after payment (paid, shipped, delivered...), for its history page."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.order}: {self.get_status_display()}"


class Stock(models.Model):
    """Units of a variant in the warehouse (saleor's `Stock`): live data that sales, refunds and editors change
    directly, never through a page revision. Holds (`StockHold`) are subtracted from it to give availability.

    One row per variant (a product without options: its one implicit variant). Every reader and writer goes
    through shop.stock and shop.querysets.
    """

    variant = models.OneToOneField(ProductVariant, on_delete=models.CASCADE, related_name="stock")
    quantity = models.PositiveIntegerField(default=0, help_text="Units in the warehouse that can be sold.")
    updated_at = models.DateTimeField(auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "stock"
        verbose_name_plural = "stock"
        ordering = ["variant__sku", "pk"]

    def __str__(self):
        return f"{self.quantity} of {self.variant.sku}"
