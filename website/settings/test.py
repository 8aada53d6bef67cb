"""Settings for the test suite: fast, in-memory, synchronous."""

import atexit
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, Q_CLUSTER, authentication_backends

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

# Tasks run in the calling process so tests see their effects at once.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
Q_CLUSTER.pop("redis", None)
Q_CLUSTER["orm"] = "default"

# Keys for the offline Stripe sandbox the test fixture starts; never real ones.
STRIPE_SECRET_KEY = "sk_test_sandbox"
STRIPE_PUBLISHABLE_KEY = "pk_test_sandbox"
STRIPE_WEBHOOK_SECRET = "whsec_test_sandbox"

SOCIAL_AUTH_GITHUB_KEY = "test-github-key"
SOCIAL_AUTH_GITHUB_SECRET = "test-github-secret"
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = "test-google-key"
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "test-google-secret"
AUTHENTICATION_BACKENDS = authentication_backends(github=True, google=True)

# A payable model that exists only for billing's tests (tests/billing_testapp), and the offline Stripe sandbox
# (its `stripe_sandbox` command; the test fixture imports the package itself).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.billing_testapp", "stripe_sandbox"]

# On SQLite the test database is a file, not shared-cache memory: a live server's threads (the browser tests, with
# the sandbox's webhooks racing the payer's redirect) then wait on each other through the busy timeout as in
# production, instead of failing with "database table is locked". One file per test process, removed at exit, so
# two runs (or xdist workers) never share one; in-memory databases were never reused between runs either.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _test_db = Path(tempfile.gettempdir()) / f"website-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}

    @atexit.register
    def _remove_test_db(path=_test_db):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


# seed_demo's tests check the content, not the renditions (tests/shop/test_demo.py makes some itself).
SHOP_DEMO_PREPARE_RENDITIONS = False

# django-axes refuses an authenticate() without a request, as Django's `Client.login()` and Wagtail's test helpers
# make; tests/accounts/test_lockout.py turns it on for the tests of the lockout itself.
AXES_ENABLED = False
