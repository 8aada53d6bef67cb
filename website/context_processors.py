from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject
from wagtail.models import Page

from jobs.models import JobIndexPage
from shop.models import ShopIndexPage

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# The header's section links, shared by every process through the cache; website.signals deletes the entry (and
# purges every cached page, as every page shows the header) when a section index or one of its ancestors changes.
SECTIONS_CACHE_KEY = "website:site-sections"
SECTION_MODELS = (("shop", ShopIndexPage), ("jobs", JobIndexPage))


def stripe_sandbox_mode() -> bool:
    """True when Stripe calls go to the offline sandbox on this machine, never to Stripe."""
    api_base = settings.STRIPE_API_BASE
    return bool(api_base) and urlsplit(api_base).hostname in LOOPBACK_HOSTS


def site_sections(request=None) -> dict[str, str | None]:
    """The URL of each section the header links to, or None where it has no live, public index page (a link to it
    would be a 404). Two queries when the shared entry is missing (the restrictions, then the index pages)."""

    def compute():
        names = {ContentType.objects.get_for_model(model).pk: name for name, model in SECTION_MODELS}
        found = dict.fromkeys(names.values())
        pages = Page.objects.live().public().type(*(model for _, model in SECTION_MODELS)).order_by("path")
        for page in pages:
            name = names.get(page.content_type_id)
            if name is not None and found[name] is None:
                found[name] = page.get_url(request)
        return found

    return cache.get_or_set(SECTIONS_CACHE_KEY, compute, timeout=None)


def site_chrome(request):
    """Values the header and footer need on every page."""
    return {"stripe_sandbox_mode": stripe_sandbox_mode(), "sections": SimpleLazyObject(lambda: site_sections(request))}
