"""Local development: `make run`."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# The offline Stripe sandbox's `manage.py stripe_sandbox` (`make run`, `make sandbox`); a development tool, never
# installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "stripe_sandbox"]
