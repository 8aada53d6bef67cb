from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        # Imported here, not at module level: models and receivers need the app registry ready.
        from billing import payables
        from shop import receivers  # noqa: F401 - connects sign-in and billing receivers
        from shop.models import Order

        payables.register(Order)
