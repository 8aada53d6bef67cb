"""The WSGI entry point of every server the benchmark starts; the runner always sets DJANGO_SETTINGS_MODULE
(benchmarks.settings, or benchmarks.vanilla_settings for the vanilla Wagtail site), so there is no default here."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
