import copy

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from website.caching import ROUTE_TIMEOUT, cached, key, pages_generation, site_for_request


class HomePage(Page):
    """The site's root page: a short welcome that leads to the shop and the job board."""

    intro = models.CharField(max_length=255, blank=True, help_text="One sentence under the title.")
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def get_template(self, request, *args, **kwargs):
        # Wagtail's own check, read from META: request.headers would parse every header of the busiest page to look
        # at one.
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            return self.ajax_template or self.template
        return self.template


@register_setting(icon="cog")
class SiteBranding(BaseSiteSetting):
    """What editors may change about every page's frame without a deploy."""

    site_name = models.CharField(max_length=100, default="Shop & Jobs")
    footer_text = models.CharField(
        max_length=255,
        blank=True,
        default="Hand-picked goods and paid job listings.",
    )

    panels = [FieldPanel("site_name"), FieldPanel("footer_text")]

    class Meta:
        verbose_name = "site branding"

    @classmethod
    def for_request(cls, request):
        """Finds the request's Site through the cache first (website.caching), so the header costs no query."""
        site_for_request(request)
        return super().for_request(request)

    @classmethod
    def for_site(cls, site):
        """From the cache (every page's header and footer read it); saving the branding replaces the cache key."""
        if site is None:
            return super().for_site(site)
        instance = cached(
            key("branding", pages_generation(), site.pk), lambda: super(SiteBranding, cls).for_site(site), ROUTE_TIMEOUT
        )
        # A copy per request: Wagtail hangs the request (and page URLs) on the instance it returns. What copy.copy()
        # would do (Model.__getstate__/__setstate__), without going through pickle's protocol every request.
        return _model_copy(instance)


def _model_copy(instance):
    # __getstate__ copies the model state and leaves out the request and page URLs; Model.__setstate__ would only add
    # a pickle version check to this update (and turn binary fields back into memoryviews: left to copy.copy()).
    state = instance.__getstate__()
    if "_memoryview_attrs" in state:
        return copy.copy(instance)
    clone = object.__new__(type(instance))
    clone.__dict__.update(state)
    return clone
