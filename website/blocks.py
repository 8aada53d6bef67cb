"""The blocks editors build the home page (and the site's plain pages) from, without a developer.

Blocks that list products or jobs read them through the apps' own QuerySet methods (`for_listing_rows()`,
`on_board()`), a fixed handful of queries per block whatever its count. Each block's template lives under
templates/website/blocks/.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock

from jobs.models import JobPage
from shop.models import ProductPage

# The product card's picture at one and two device pixels per CSS pixel (templates/website/blocks/featured_products.html
# asks for these through srcset_image); prefetched with the rows.
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class LinkValue(blocks.StructValue):
    def href(self) -> str:
        page = self.get("page")
        if page is not None:
            # Without a request: relative on a one-site install, the full URL otherwise; the same for every host.
            return page.get_url() or ""
        return self.get("url") or ""

    def text(self) -> str:
        page = self.get("page")
        return self.get("label") or (page.title if page is not None else "")


class LinkBlock(blocks.StructBlock):
    """A page of the site or any address, with the words to show (a page's title when left empty)."""

    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, label="Or an address", help_text="https://… when no page is chosen.")
    label = blocks.CharBlock(required=False, max_length=60, help_text="Defaults to the page's title.")

    class Meta:
        icon = "link"
        value_class = LinkValue
        form_classname = "link-block"

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        if value.get("page") is None and not value.get("url"):
            errors["page"] = ValidationError("Choose a page or give an address.")
        elif value.get("page") is not None and value.get("url"):
            errors["url"] = ValidationError("Give a page or an address, not both.")
        elif value.get("url") and not value.get("label"):
            errors["label"] = ValidationError("An address needs the words to show for it.")
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class OptionalLinkBlock(LinkBlock):
    """A link that may be left empty as a whole (the hero's button)."""

    def clean(self, value):
        if value.get("page") is None and not value.get("url") and not value.get("label"):
            return blocks.StructBlock.clean(self, value)
        return super().clean(value)


class HeroBlock(blocks.StructBlock):
    image = ImageChooserBlock(help_text="A wide picture, about 1600 by 700 pixels; it is cropped to fit.")
    heading = blocks.CharBlock(max_length=100)
    text = blocks.TextBlock(required=False, max_length=300)
    button = OptionalLinkBlock(required=False, help_text="Leave empty for no button.")

    class Meta:
        icon = "image"
        template = "website/blocks/hero.html"


class FeaturedProductsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=100, default="Featured products")
    products = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="shop.ProductPage"),
        default=[],
        help_text="In the order shown. Leave empty for the newest products.",
    )
    count = blocks.IntegerBlock(
        min_value=1, max_value=12, default=4, help_text="How many of the newest to show when none are chosen."
    )

    class Meta:
        icon = "pick"
        template = "website/blocks/featured_products.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["products"] = featured_products(
            chosen_ids=[page.pk for page in value["products"] if page is not None], count=value["count"]
        )
        return context


class LatestJobsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=100, default="Latest jobs")
    count = blocks.IntegerBlock(min_value=1, max_value=12, default=3)

    class Meta:
        icon = "list-ul"
        template = "website/blocks/latest_jobs.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["jobs"] = latest_jobs(count=value["count"])
        return context


class RichTextSectionBlock(blocks.RichTextBlock):
    class Meta:
        icon = "doc-full"
        template = "website/blocks/rich_text.html"


def featured_products(*, chosen_ids: list[int], count: int) -> list:
    """The chosen products still live and public, in the editor's order; else the `count` newest. Three queries
    whatever the count: the public filter, the rows with their availability, their images, their pictures' sizes."""
    products = ProductPage.objects.live().public()
    if chosen_ids:
        rows = products.filter(pk__in=chosen_ids)
    else:
        # As the shop's listing does: the bare rows are sorted and sliced first, and only they get their availability.
        rows = ProductPage.objects.filter(pk__in=products.sorted_by("newest").values("pk")[:count]).sorted_by("newest")
    rows = rows.for_listing_rows()
    if not chosen_ids:
        return list(rows)
    by_pk = {product.pk: product for product in rows}
    return [by_pk[pk] for pk in chosen_ids if pk in by_pk]


def latest_jobs(*, count: int) -> list:
    """The `count` listings most recently paid for that are on the board now (`on_board`: the rows of /jobs/)."""
    return list(JobPage.objects.on_board(timezone.now())[:count])


class HomePageBody(blocks.StreamBlock):
    hero = HeroBlock()
    featured_products = FeaturedProductsBlock()
    latest_jobs = LatestJobsBlock()
    rich_text = RichTextSectionBlock(features=RICH_TEXT_FEATURES)


class StandardPageBody(blocks.StreamBlock):
    rich_text = RichTextSectionBlock(features=RICH_TEXT_FEATURES)


class FooterLinks(blocks.StreamBlock):
    link = LinkBlock()


# Home blocks that show rows of another app: a change to such a row purges the home pages showing it.
BLOCKS_SHOWING = {ProductPage: "featured_products", JobPage: "latest_jobs"}
