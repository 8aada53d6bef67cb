"""The WSGI entry point (`gunicorn website.wsgi`): production unless the environment or `.env` names other settings."""

from django.core.wsgi import get_wsgi_application

from website.settings_module import settings_module_choose

settings_module_choose(default="website.settings.production")

application = get_wsgi_application()
