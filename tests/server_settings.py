"""Settings for the servers the multi-process tests start (gunicorn, django-q2 clusters) against the test database.

The product's base settings as a deployment runs them: DEBUG off, the cache and the task broker on Redis when
REDIS_URL is set (base settings read it). Without REDIS_URL every cache alias is Django's dummy cache, so the only
cache in play is the one a test puts in front (Varnish). DATABASE_URL names the test database (tests/processes.py).
"""

from website.settings.base import *  # noqa: F403
from website.settings.base import CACHES, REDIS_URL

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STRIPE_SECRET_KEY = "sk_test_sandbox"
STRIPE_PUBLISHABLE_KEY = "pk_test_sandbox"
STRIPE_WEBHOOK_SECRET = "whsec_test_sandbox"

if not REDIS_URL:
    CACHES = {alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in CACHES}
