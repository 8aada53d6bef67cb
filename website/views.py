import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: 200 when the database answers, 503 naming it if not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "not ready"; the log keeps the detail
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@ensure_csrf_cookie
@require_GET
def csrf_cookie(request):
    """Sets the visitor's CSRF cookie (static/js/csrf.js asks for it before posting a form from a cached page)."""
    return HttpResponse(status=204)


@login_required
def account(request):
    """The signed-in user's hub: links to everything that belongs to them."""
    return render(request, "website/account.html")


# Backend path -> (social-auth name, label). Only backends enabled in AUTHENTICATION_BACKENDS show.
SOCIAL_PROVIDERS = {
    "social_core.backends.github.GithubOAuth2": ("github", "GitHub"),
    "social_core.backends.google.GoogleOAuth2": ("google-oauth2", "Google"),
}


class LoginView(auth_views.LoginView):
    """Password sign-in (staff, demo users) plus whichever social providers have keys."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["social_providers"] = [
            {"backend": name, "label": label}
            for path, (name, label) in SOCIAL_PROVIDERS.items()
            if path in settings.AUTHENTICATION_BACKENDS
        ]
        return context
