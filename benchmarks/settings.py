"""`make bench`: production-like (DEBUG off, no query log) against the benchmark's own database.

The bench command sets DATABASE_URL for its worker processes to a database it creates; it never
points at the development database.
"""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
LOGGING["loggers"] = {**LOGGING["loggers"], "django": {"handlers": ["console"], "level": "ERROR", "propagate": False}}
