from urllib.parse import urlsplit

from django.conf import settings

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def stripe_sandbox_mode() -> bool:
    """True when Stripe calls go to the offline sandbox on this machine, never to Stripe."""
    api_base = settings.STRIPE_API_BASE
    return bool(api_base) and urlsplit(api_base).hostname in LOOPBACK_HOSTS


def site_chrome(request):
    """Values the header and footer need on every page."""
    return {"stripe_sandbox_mode": stripe_sandbox_mode()}
