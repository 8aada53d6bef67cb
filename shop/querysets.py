"""Reusable reads: the catalogue and carts, as QuerySet methods."""

from django.db import models
from django.db.models import F, Prefetch, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from wagtail.images import get_image_model
from wagtail.models import PageQuerySet

# Renditions the shop's templates ask for; prefetched so a listing costs the same queries for 3 or 300 products.
LISTING_RENDITION = "fill-400x300"
DETAIL_RENDITION = "max-800x800"
CART_RENDITION = "fill-120x90"

AVAILABLE_ANNOTATION = "annotated_available_quantity"


def held_quantity_expression() -> models.Expression:
    """Units of a product reserved by stock holds that have not expired.

    The single place that knows what "held" means. Until the checkout adds holds nothing is held; when it
    does, this becomes a subquery summing live holds and every reader of availability follows.
    """
    return Value(0, output_field=models.IntegerField())


def available_quantity_expression() -> models.Expression:
    """stock_on_hand minus live holds, never below zero."""
    return Greatest(F("stock_on_hand") - held_quantity_expression(), Value(0), output_field=models.IntegerField())


class ProductPageQuerySet(PageQuerySet):
    def with_availability(self):
        """Annotate how many units can be bought now; read it through `ProductPage.available_quantity`."""
        return self.annotate(**{AVAILABLE_ANNOTATION: available_quantity_expression()})

    def with_images(self, *rendition_specs: str):
        """Fetch each product's image and the given renditions in two extra queries, whatever the count."""
        image_queryset = get_image_model().objects.all()
        if rendition_specs:
            image_queryset = image_queryset.prefetch_renditions(*rendition_specs)
        return self.prefetch_related(Prefetch("image", queryset=image_queryset))

    def purchasable(self):
        """Live products with at least one unit available to buy."""
        return self.live().with_availability().filter(**{f"{AVAILABLE_ANNOTATION}__gt": 0})

    def for_listing(self):
        return self.live().with_availability().with_images(LISTING_RENDITION)

    def sorted_by(self, sort: str):
        """Order by one of PRODUCT_SORTS' keys; an unknown key falls back to the newest first."""
        ordering = PRODUCT_SORTS.get(sort, PRODUCT_SORTS[DEFAULT_PRODUCT_SORT])[1]
        return self.order_by(*ordering)


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


class LineItemQuerySet(models.QuerySet):
    def with_products(self):
        """Lines with their product (availability annotated), image and cart thumbnail in a fixed number of queries."""
        from shop.models import ProductPage

        products = ProductPage.objects.with_availability().with_images(CART_RENDITION)
        return self.prefetch_related(Prefetch("product", queryset=products)).order_by("created_at", "pk")

    def item_count(self) -> int:
        """Total units across the lines: one aggregate query."""
        return self.aggregate(count=Coalesce(Sum("quantity"), 0))["count"]
