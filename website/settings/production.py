"""Production: every secret comes from the environment, with no default.

Start-up fails with an ImproperlyConfigured naming the first variable that is missing, and refuses Stripe test keys
(unless STRIPE_ALLOW_TEST_KEYS=true, for a staging site) and any Stripe API base but Stripe's own (the offline
sandbox is a development tool).
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, STRIPE_API_BASE, env


def required(name: str) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable; production will not start without it.")
    return value


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{host}" for host in ALLOWED_HOSTS])

# Every process must see one page cache, so that a purge made through one reaches all (website.page_cache).
REDIS_URL = required("REDIS_URL")

STRIPE_SECRET_KEY = required("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = required("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = required("STRIPE_WEBHOOK_SECRET")
STRIPE_ALLOW_TEST_KEYS = env.bool("STRIPE_ALLOW_TEST_KEYS", default=False)
STRIPE_OFFICIAL_API_BASE = "https://api.stripe.com"


def stripe_keys_check(*, secret_key: str, publishable_key: str, allow_test_keys: bool) -> None:
    """Test-mode keys take no money: a production site running on them looks fine and sells nothing."""
    test_mode = [
        name
        for name, key, prefixes in (
            ("STRIPE_SECRET_KEY", secret_key, ("sk_test_", "rk_test_")),
            ("STRIPE_PUBLISHABLE_KEY", publishable_key, ("pk_test_",)),
        )
        if key.startswith(prefixes)
    ]
    if test_mode and not allow_test_keys:
        raise ImproperlyConfigured(
            f"{' and '.join(test_mode)} hold Stripe test-mode keys; production needs live keys "
            "(set STRIPE_ALLOW_TEST_KEYS=true only for a staging site that must take test payments)."
        )


def stripe_api_base_check(api_base: str) -> None:
    """Only Stripe's API may be called: any other base (the offline sandbox, a typo, a proxy) is refused."""
    if not api_base:
        return
    parts = urlsplit(api_base)
    official = urlsplit(STRIPE_OFFICIAL_API_BASE)
    if (parts.scheme, parts.hostname, parts.port) != (official.scheme, official.hostname, None) or parts.path not in (
        "",
        "/",
    ):
        raise ImproperlyConfigured(
            f"STRIPE_API_BASE is {api_base!r}; production calls only {STRIPE_OFFICIAL_API_BASE} (leave it empty)."
        )


stripe_keys_check(
    secret_key=STRIPE_SECRET_KEY, publishable_key=STRIPE_PUBLISHABLE_KEY, allow_test_keys=STRIPE_ALLOW_TEST_KEYS
)
stripe_api_base_check(STRIPE_API_BASE)

# The demo's sign-ins have published passwords (admin / admin-demo-pass).
SEED_DEMO_ALLOWED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SOCIAL_AUTH_REDIRECT_IS_HTTPS = True

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
