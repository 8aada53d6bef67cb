from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "website"
    verbose_name = "Website"

    def ready(self):
        from website import signals  # here: receivers need the app registry ready

        signals.connect()
