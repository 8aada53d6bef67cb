from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

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


def site_sections() -> dict[str, str | None]:
    """The URL of each section the header links to, or None where it has no live, public index page (a link to it
    would be a 404)."""

    def compute():
        return {
            name: next((page.url for page in model.objects.live().public().order_by("path")[:1]), None)
            for name, model in SECTION_MODELS
        }

    return cache.get_or_set(SECTIONS_CACHE_KEY, compute, timeout=None)


def site_chrome(request):
    """Values the header and footer need on every page."""
    return {"stripe_sandbox_mode": stripe_sandbox_mode(), "sections": SimpleLazyObject(site_sections)}
