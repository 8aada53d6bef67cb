from django.db import models
from django.db.models import Min
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page

from jobs.models import JobPage
from serving.routing import ServedPage, route_below
from shop.models import seconds_until_first_hold_expires
from website.blocks import FooterLinks, HomePageBody, StandardPageBody


class HomePage(ServedPage, Page):
    """The site's root page, composed by editors from blocks (website.blocks): a hero, featured products, the latest
    jobs, text."""

    intro = models.CharField(
        max_length=255,
        blank=True,
        help_text="One sentence: the page's description for search engines and sharing, and shown under the title "
        "when the page does not open with a hero.",
    )
    body = StreamField(HomePageBody(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def route(self, request, path_components):
        # Every page below the root in two queries rather than two a level (website.routing).
        if path_components:
            result = route_below(self, request, path_components)
            if result is not None:
                return result
        return super().route(request, path_components)

    def block_types(self) -> set[str]:
        """The kinds of block the body holds, from its stored JSON: no block is loaded to find out."""
        return {block["type"] for block in self.body.raw_data}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        raw = self.body.raw_data
        # The hero's heading is the page's one <h1> when the page opens with it; otherwise the title is.
        context["opens_with_hero"] = bool(raw) and raw[0]["type"] == "hero"
        return context

    def cache_seconds_until_change(self) -> float | None:
        """What the blocks show changes with no event to mark it: a job leaves the board when its paid week ends, a
        product's availability when a stock hold runs out. Until the first of those the page shows."""
        types = self.block_types()
        moments = []
        if "latest_jobs" in types:
            now = timezone.now()
            # As JobIndexPage does: over every listing, the paid_until index answers alone.
            first = JobPage.objects.filter(paid_until__gt=now).aggregate(first=Min("paid_until"))["first"]
            if first is not None:
                moments.append((first - now).total_seconds())
        if "featured_products" in types:
            until = seconds_until_first_hold_expires()
            if until is not None:
                moments.append(until)
        return min(moments) if moments else None

    def get_template(self, request, *args, **kwargs):
        # Wagtail's own check, read from META: request.headers would parse every header of the busiest page to look
        # at one.
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            return self.ajax_template or self.template
        return self.template


class StandardPage(ServedPage, Page):
    """A plain page of text under the home page: shipping, returns, privacy, terms and the like."""

    body = StreamField(StandardPageBody(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]

    parent_page_types = ["website.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = "standard page"


@register_setting(icon="cog")
class SiteBranding(BaseGenericSetting):
    """What editors may change about every page's frame without a deploy.

    One for the whole site (a generic setting): views other than Wagtail's pages (the cart, the account pages) read
    it in one query, without first looking up the request's Site for it.
    """

    site_name = models.CharField(max_length=100, default="Shop & Jobs")
    footer_text = models.CharField(
        max_length=255,
        blank=True,
        default="Hand-picked goods and paid job listings.",
    )

    contact_address = models.TextField(blank=True, help_text="Shown in the footer of every page, as written.")
    contact_email = models.EmailField(blank=True, help_text="Shown in the footer of every page.")
    footer_links = StreamField(FooterLinks(), blank=True, help_text="The footer's links, in this order.")
    default_description = models.CharField(
        max_length=300,
        blank=True,
        default="Hand-picked goods and paid job listings.",
        help_text="For search engines and sharing: the description of pages that have none of their own.",
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when a page without a picture of its own (a job listing) is shared.",
    )

    panels = [
        FieldPanel("site_name"),
        MultiFieldPanel(
            [
                FieldPanel("footer_text"),
                FieldPanel("contact_address"),
                FieldPanel("contact_email"),
                FieldPanel("footer_links"),
            ],
            heading="Footer",
        ),
        MultiFieldPanel([FieldPanel("default_description"), FieldPanel("share_image")], heading="Search and sharing"),
    ]

    class Meta:
        verbose_name = "site branding"
