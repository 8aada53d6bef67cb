"""`make bench`: production-like (DEBUG off, no query log) against the benchmark's own database.

Used only by `python -m benchmarks`, which sets DJANGO_SETTINGS_MODULE to this module itself, and by the processes
it starts (its workers and gunicorn). It sets DATABASE_URL for them to a database it creates; it never points at the
development database. On top of the project's base settings it adds the floor templates' directory
(benchmarks/templates/); the floor views' urlconf (benchmarks.urls) is swapped in by the runner while it measures
pages, so gunicorn serves the product's own urls.
"""

from website.settings.base import *  # noqa: F403
from website.settings.base import BASE_DIR, LOGGING, TEMPLATES

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
LOGGING["loggers"] = {**LOGGING["loggers"], "django": {"handlers": ["console"], "level": "ERROR", "propagate": False}}

# The floor templates live with the benchmark, outside every product app and template directory.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "benchmarks" / "templates"]}, *TEMPLATES[1:]]
