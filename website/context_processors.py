from urllib.parse import urlsplit

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from jobs.models import JobIndexPage
from shop.models import ShopIndexPage
from website.caching import ROUTE_TIMEOUT, cached, key, lazy_pages_generation, pages_generation

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def stripe_sandbox_mode() -> bool:
    """True when Stripe calls go to the offline sandbox on this machine, never to Stripe."""
    api_base = settings.STRIPE_API_BASE
    return bool(api_base) and urlsplit(api_base).hostname in LOOPBACK_HOSTS


def site_sections() -> dict[str, str | None]:
    """The URL of each section the header links to, or None where it has no live, public index page (a link to it
    would be a 404). Cached under the pages generation, which a publish, move, deletion or view restriction renews."""

    def compute():
        return {
            name: next((page.url for page in model.objects.live().public().order_by("path")[:1]), None)
            for name, model in (("shop", ShopIndexPage), ("jobs", JobIndexPage))
        }

    return cached(key("sections", pages_generation()), compute, ROUTE_TIMEOUT)


def site_chrome(request):
    """Values the header and footer need on every page."""
    return {
        "stripe_sandbox_mode": stripe_sandbox_mode(),
        # `{% cache %}` fragments vary on it, so a publish, move or deletion retires every cached fragment at once.
        "page_cache_version": lazy_pages_generation(),
        "sections": SimpleLazyObject(site_sections),
    }
