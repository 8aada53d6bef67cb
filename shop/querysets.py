"""Reusable reads: the catalogue and carts, as QuerySet methods."""

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, F, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Greatest, Now, RowNumber
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import PageQuerySet

from shop.statuses import OrderStatus

# Renditions the shop's templates ask for; prefetched so a page costs the same queries for 3 or 300 products and 1 or
# 10 images. The templates' `{% picture %}` tags name the same sizes and formats (format-{avif,webp,jpeg}
# fill-{...}): change both together (tests/shop/test_gallery.py counts the queries). All 4:3, so the product card,
# the gallery and its thumbnails share the 600x450 and 300x225 files. Browsers take the first format they read.
IMAGE_FORMATS = ("avif", "webp", "jpeg")
CARD_SIZES = ("300x225", "600x450")  # a card: half a phone, or about 17rem of a wide screen
GALLERY_SIZES = ("600x450", "1200x900")  # the product page's pictures: a phone's width, or half the page
THUMBNAIL_SIZES = ("300x225",)  # the gallery's thumbnails, about 6rem wide
CART_RENDITION = "fill-120x90"


def picture_specs(*sizes: str) -> list[str]:
    """The rendition specs a `{% picture image format-{avif,webp,jpeg} fill-{sizes} %}` tag asks for."""
    return [f"format-{fmt}|fill-{size}" for fmt in IMAGE_FORMATS for size in sizes]


LISTING_RENDITIONS = picture_specs(*CARD_SIZES)
GALLERY_RENDITIONS = picture_specs(*GALLERY_SIZES) + picture_specs(*THUMBNAIL_SIZES)
# Every rendition a product's images appear in on the site's pages: made ahead by shop.demo (see warm_renditions).
ALL_RENDITIONS = list(dict.fromkeys([*LISTING_RENDITIONS, *GALLERY_RENDITIONS, CART_RENDITION]))

# Where with_main_image() puts a product's first gallery image (a list of none or one): ProductPage.main_image reads it.
MAIN_IMAGE_ATTR = "prefetched_main_image"
HAS_GALLERY_ANNOTATION = "annotated_has_gallery"

AVAILABLE_ANNOTATION = "annotated_available_quantity"
STOCK_ANNOTATION = "annotated_stock_on_hand"
LINE_AVAILABLE_ANNOTATION = "annotated_variant_available_quantity"
LINE_HAS_IMAGE_ANNOTATION = "annotated_product_has_image"
FIRST_HOLD_EXPIRY_ANNOTATION = "annotated_first_hold_expires_at"
PRICE_RANGE_ANNOTATIONS = ("annotated_price_from_amount", "annotated_price_to_amount")


def _integer(subquery) -> models.Expression:
    integer = models.IntegerField()
    return Coalesce(Subquery(subquery, output_field=integer), Value(0), output_field=integer)


def stock_quantity_expression(variant: str = "pk") -> models.Expression:
    """Units on hand of a variant (the outer query's row, or the variant at `variant`): its `Stock` row, 0 without.

    The one place that knows where stock lives (see shop.models.Stock).
    """
    # order_by(): Stock's default ordering (by SKU) would join the variant table into every row's subquery.
    quantity = apps.get_model("shop", "Stock").objects.filter(variant=OuterRef(variant)).order_by().values("quantity")
    return _integer(quantity[:1])


def held_quantity_expression(variant: str = "pk") -> models.Expression:
    """Units of a variant (the outer query's row, or the variant at `variant`) reserved by stock holds that have not
    expired.

    The single place that knows what "held" means: every reader of availability goes through it. A hold past
    its `expires_at` stops counting at once, whether or not the sweep has deleted it yet.
    """
    # By name: shop.models imports this module for its managers.
    live = (
        apps.get_model("shop", "StockHold")
        .objects.live()
        .filter(variant=OuterRef(variant))
        .order_by()
        .values("variant")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return _integer(live)


def available_quantity_expression(variant: str = "") -> models.Expression:
    """A variant's stock on hand minus its live holds, never below zero; of the row itself, or of the variant at
    `variant` (a path such as "variant" from a cart line)."""
    prefix = f"{variant}__" if variant else ""
    return Greatest(
        stock_quantity_expression(f"{prefix}pk") - held_quantity_expression(f"{prefix}pk"),
        Value(0),
        output_field=models.IntegerField(),
    )


def _variants_of_outer_product():
    return apps.get_model("shop", "ProductVariant").objects.filter(product=OuterRef("pk")).order_by().values("product")


def product_stock_expression() -> models.Expression:
    """Units on hand of the outer product across its variants."""
    on_hand = (
        apps.get_model("shop", "Stock")
        .objects.filter(variant__product=OuterRef("pk"))
        .order_by()
        .values("variant__product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return _integer(on_hand)


def product_available_expression() -> models.Expression:
    """Units of the outer product that can be bought now: the sum of its variants' availability (each never below
    zero), so it is 0, "Sold out", only when every variant is. One subquery, whatever the number of variants."""
    total = (
        apps.get_model("shop", "ProductVariant")
        .objects.filter(product=OuterRef("pk"))
        .annotate(available=available_quantity_expression())
        .order_by()
        .values("product")
        .annotate(total=Sum("available"))
        .values("total")
    )
    return _integer(total)


class ProductVariantQuerySet(models.QuerySet):
    def with_stock(self):
        return self.annotate(**{STOCK_ANNOTATION: stock_quantity_expression()})

    def with_availability(self):
        """Annotate units on hand and how many can be bought now (`stock_on_hand`, `available_quantity`)."""
        return self.annotate(
            **{STOCK_ANNOTATION: stock_quantity_expression(), AVAILABLE_ANNOTATION: available_quantity_expression()}
        )


class ProductPageQuerySet(PageQuerySet):
    def with_stock(self):
        """Annotate units on hand across the variants; read it through `ProductPage.stock_on_hand`."""
        return self.annotate(**{STOCK_ANNOTATION: product_stock_expression()})

    def with_availability(self):
        """Annotate how many units can be bought now across the variants (`ProductPage.available_quantity`), and
        the lowest and highest variant price (`ProductPage.price_from_amount`, for "from $X")."""
        return self.annotate(**{AVAILABLE_ANNOTATION: product_available_expression()}).with_price_range()

    def with_price_range(self):
        """Annotate the lowest and highest unit price among the variants (a variant without its own price costs the
        product's)."""
        price = Coalesce("price_amount", "product__price_amount")
        low, high = PRICE_RANGE_ANNOTATIONS
        lowest = _variants_of_outer_product().annotate(value=Min(price)).values("value")
        highest = _variants_of_outer_product().annotate(value=Max(price)).values("value")
        return self.annotate(
            **{
                low: Subquery(lowest, output_field=models.IntegerField()),
                high: Subquery(highest, output_field=models.IntegerField()),
            }
        )

    def with_first_hold_expiry(self):
        """Annotate when the product's first live stock hold runs out (None when none is held): its page's
        availability changes then, with no event to mark it."""
        first = (
            apps.get_model("shop", "StockHold")
            .objects.live()
            .filter(product=OuterRef("pk"))
            .order_by("expires_at")
            .values("expires_at")[:1]
        )
        return self.annotate(**{FIRST_HOLD_EXPIRY_ANNOTATION: Subquery(first)})

    def with_gallery(self, renditions=GALLERY_RENDITIONS):
        """Fetch each product's gallery images, in order, and their renditions in two extra queries, whatever the
        number of products or images; read them through `product.gallery_images.all()`."""
        return self.prefetch_related(Prefetch("gallery_images", queryset=gallery_images_with_renditions(renditions)))

    def with_gallery_flag(self):
        """Annotate whether each product has gallery images (in the same query): `ProductPage.gallery` then asks
        nothing of a product without."""
        images = apps.get_model("shop", "ProductImage").objects.filter(page=OuterRef("pk"))
        return self.annotate(**{HAS_GALLERY_ANNOTATION: Exists(images)})

    def with_main_image(self, renditions=LISTING_RENDITIONS):
        """Fetch each product's first gallery image and its renditions in two extra queries, whatever the number of
        products or images; read it through `ProductPage.main_image`."""
        return self.prefetch_related(main_image_prefetch("gallery_images", renditions))

    def purchasable(self):
        """Live, public products with at least one unit available to buy."""
        return self.live().public().with_availability().filter(**{f"{AVAILABLE_ANNOTATION}__gt": 0})

    def for_listing_rows(self):
        """What a listing shows of each product: availability and its main image."""
        return self.with_availability().with_main_image()

    def sorted_by(self, sort: str):
        """Order by one of PRODUCT_SORTS' keys; an unknown key falls back to the newest first."""
        ordering = PRODUCT_SORTS.get(sort, PRODUCT_SORTS[DEFAULT_PRODUCT_SORT])[1]
        return self.order_by(*ordering)


def gallery_images_with_renditions(renditions=GALLERY_RENDITIONS):
    """Product images with their image (joined) and those of its renditions named (one more query): Wagtail's
    documented prefetch of an image's `renditions`, filtered to the specs the page uses."""
    rendition_model = get_image_model().get_rendition_model()
    return (
        apps.get_model("shop", "ProductImage")
        .objects.select_related("image")
        .prefetch_related(
            Prefetch("image__renditions", queryset=rendition_model.objects.filter(filter_spec__in=list(renditions)))
        )
        .order_by("sort_order", "pk")
    )


def main_image_prefetch(lookup: str, renditions) -> Prefetch:
    """A Prefetch of only the first gallery image of each product at `lookup` ("gallery_images", or
    "product__gallery_images" from a cart line), with its renditions, into MAIN_IMAGE_ATTR.

    The first per product is picked in SQL (a window function): a listing of 24 products with 10 images each
    fetches 24 images and their renditions, not 240.
    """
    first = gallery_images_with_renditions(renditions).annotate(
        gallery_position=Window(RowNumber(), partition_by=F("page_id"), order_by=[F("sort_order"), F("pk")])
    )
    return Prefetch(lookup, queryset=first.filter(gallery_position=1), to_attr=MAIN_IMAGE_ATTR)


# key -> (label, ordering). The key is what ?sort= carries.
PRODUCT_SORTS = {
    "newest": ("Newest", (F("first_published_at").desc(nulls_last=True), "-pk")),
    "price": ("Price: low to high", ("price_amount", "title", "pk")),
    "-price": ("Price: high to low", ("-price_amount", "title", "pk")),
}
DEFAULT_PRODUCT_SORT = "newest"


class CartQuerySet(models.QuerySet):
    def anonymous(self):
        return self.filter(user__isnull=True)

    def for_user(self, user):
        return self.filter(user=user)

    def stale(self, older_than: timedelta | None = None, *, now: datetime | None = None):
        """Carts with no activity (`updated_at`) for longer than `older_than` (default SHOP_CART_STALE_AFTER).

        The cut-off is exclusive: a cart touched exactly `older_than` ago is not stale yet.
        """
        older_than = settings.SHOP_CART_STALE_AFTER if older_than is None else older_than
        return self.filter(updated_at__lt=(now or timezone.now()) - older_than)

    def with_checkout_in_progress(self, now: datetime | None = None):
        """Carts whose owner has a pending order still holding stock, or that a guest's such order was made from:
        the buyer may be paying for them now.

        `now` (default: the database's clock) fixes the moment holds are judged at, so two statements agree.
        """
        live = apps.get_model("shop", "Order").objects.pending().with_live_holds(now=now)
        by_owner = Q(user__isnull=False) & Exists(live.filter(user=OuterRef("user")))
        return self.filter(by_owner | Exists(live.filter(guest_cart_pk=OuterRef("pk"))))

    def without_checkout_in_progress(self, now: datetime | None = None):
        """Carts a purge may delete: anonymous ones, and users' carts with no checkout holding stock."""
        return self.exclude(pk__in=self.with_checkout_in_progress(now=now).values("pk"))


class OrderQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def pending(self):
        return self.filter(status=OrderStatus.PENDING)

    def open(self):
        """Orders staff still act on: awaiting payment, paid, or owed a refund."""
        return self.filter(status__in=[OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.REFUND_PENDING])

    def with_live_holds(self, now: datetime | None = None):
        holds = apps.get_model("shop", "StockHold").objects.live(now=now)
        return self.filter(Exists(holds.filter(order=OuterRef("pk"))))

    def paid_since(self, moment):
        """Orders paid at or after `moment` that kept the money (not refunded)."""
        return self.filter(status__in=[*OrderStatus.fulfilled(), OrderStatus.DISPUTED], paid_at__gte=moment)

    def awaiting_shipment(self):
        """Paid orders with goods to send that have not gone yet."""
        return self.filter(status=OrderStatus.PAID, requires_shipping=True)


class StockHoldQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None):
        return self.filter(expires_at__gt=Now() if now is None else now)

    def expired(self):
        return self.filter(expires_at__lte=Now())


class LineItemQuerySet(models.QuerySet):
    def with_products(self):
        """Lines with their product (joined) and its availability (annotated on the line: select_related cannot
        annotate the related row; `lines_with_availability` hands it on), and the product's main image and its cart
        thumbnail in two more queries: a fixed number of queries."""
        return (
            self.select_related("product", "variant")
            .annotate(**{LINE_AVAILABLE_ANNOTATION: available_quantity_expression("variant")})
            .prefetch_related(main_image_prefetch("product__gallery_images", [CART_RENDITION]))
            .order_by("created_at", "pk")
        )

    def with_product_image_flag(self):
        """Annotate whether the line's product has any gallery image, so a reader can skip the image queries."""
        images = apps.get_model("shop", "ProductImage").objects.filter(page=OuterRef("product"))
        return self.annotate(**{LINE_HAS_IMAGE_ANNOTATION: Exists(images)})

    def item_count(self) -> int:
        """Total units across the lines: one aggregate query."""
        return self.aggregate(count=Coalesce(Sum("quantity"), 0))["count"]


def lines_with_availability(lines) -> list:
    """The lines of a `with_products()` query as a list, each variant given the availability its line carries (a
    line whose variant was deleted: none, 0)."""
    lines = list(lines)
    for line in lines:
        available = getattr(line, LINE_AVAILABLE_ANNOTATION, None)
        if available is not None and line.variant is not None:
            setattr(line.variant, AVAILABLE_ANNOTATION, available)
            line.variant.product = line.product
    return lines
