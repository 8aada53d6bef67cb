"""`make bench`: production-like (DEBUG off, no query log) against the benchmark's own database.

Used only by `python -m benchmarks`, which sets DJANGO_SETTINGS_MODULE to this module itself, and by the processes
it starts (its worker, gunicorn, the order stream). It sets DATABASE_URL for them to a database it creates; it never
points at the development database. On top of the project's base settings it adds:

- the benchmark's own app (its vanilla Wagtail page model, benchmarks.models, and the floor templates);
- its urlconf (benchmarks.urls: the product's URLs with the floor views under /__floor__/);
- the offline Stripe sandbox's test keys, which the runner points at the sandbox it starts.
"""

import os

from website.settings.base import *  # noqa: F403
from website.settings.base import INSTALLED_APPS, LOGGING

DEBUG = False
SECRET_KEY = "benchmark-only-secret-key"  # noqa: S105 - a throwaway database on this machine
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
LOGGING["loggers"] = {**LOGGING["loggers"], "django": {"handlers": ["console"], "level": "ERROR", "propagate": False}}

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]
ROOT_URLCONF = "benchmarks.urls"

STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or "sk_test_sandbox"
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY") or "pk_test_sandbox"
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or "whsec_test_sandbox"
