from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        from billing import payables
        from shop import signals  # noqa: F401  (connects the sign-in receiver)
        from shop.models import Order

        payables.register(Order)
