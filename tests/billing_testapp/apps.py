from django.apps import AppConfig


class BillingTestAppConfig(AppConfig):
    """A payable used only by billing's tests, so they need neither the shop nor the job board."""

    name = "tests.billing_testapp"
    label = "billing_testapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at module level: models and receivers need the app registry ready.
        from billing import payables

        from . import receivers  # noqa: F401 - connects the invoice's billing receivers
        from .models import Invoice

        payables.register(Invoice)
