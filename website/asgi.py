"""The ASGI entry point: production settings unless the environment or `.env` says otherwise."""

from django.core.asgi import get_asgi_application

from website.settings_module import settings_module_choose

settings_module_choose(default="website.settings.production")

application = get_asgi_application()
