from django.apps import AppConfig


class StripeSandboxConfig(AppConfig):
    """An app only so that `manage.py stripe_sandbox` exists; it has no models. In INSTALLED_APPS of the dev and
    test settings, never of base or production."""

    name = "stripe_sandbox"
    verbose_name = "Stripe sandbox"
