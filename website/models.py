from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from serving.routing import ServedPage, route_below


class HomePage(ServedPage, Page):
    """The site's root page: a short welcome that leads to the shop and the job board."""

    intro = models.CharField(max_length=255, blank=True, help_text="One sentence under the title.")
    body = RichTextField(blank=True)

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

    def get_template(self, request, *args, **kwargs):
        # Wagtail's own check, read from META: request.headers would parse every header of the busiest page to look
        # at one.
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            return self.ajax_template or self.template
        return self.template


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

    panels = [FieldPanel("site_name"), FieldPanel("footer_text")]

    class Meta:
        verbose_name = "site branding"
