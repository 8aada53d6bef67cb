from urllib.parse import urlsplit

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.gzip import GZipMiddleware


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def form_action_origins() -> list[str]:
    """Where a form's redirect may take the browser: Stripe Checkout (or the sandbox standing in for Stripe) and the
    enabled sign-in providers. Read per request, as the tests point STRIPE_API_BASE at a sandbox started at run time."""
    origins = [settings.STRIPE_CHECKOUT_ORIGIN]
    if settings.STRIPE_API_BASE:
        origins.append(origin_of(settings.STRIPE_API_BASE))
    origins += [
        origin
        for backend, origin in settings.SOCIAL_AUTH_FORM_ORIGINS.items()
        if backend in settings.AUTHENTICATION_BACKENDS
    ]
    return [origin for origin in dict.fromkeys(origins) if origin]


# What the Wagtail admin (Wagtail 8) needs, found by running the browser tests under the site's policy: its date and
# time widgets and inline panels render inline <script> elements (widgets get no request, so no nonce), its vendor
# bundle inserts inline scripts and styles, and image previews use blob: URLs. So its pages, and Django's admin, get
# 'unsafe-inline' for scripts and styles (without a nonce, which would make browsers ignore 'unsafe-inline'); the
# public site and the sign-in page keep the strict policy. Staff are the only visitors of these paths.
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_LOGIN_PATH = "/admin/login/"
ADMIN_ALLOWANCES = {
    "script-src": [SELF, "'unsafe-inline'"],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, extended as its documentation says (get_policy_parts) with the per-request parts."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        update = dict(parts.update or {})
        update["form-action"] = [*update.get("form-action", []), *form_action_origins()]
        parts.update = update
        path = request.path_info
        if path.startswith(ADMIN_PREFIXES) and path != ADMIN_LOGIN_PATH:
            parts.replace = {**ADMIN_ALLOWANCES, **(parts.replace or {})}
        return parts


def permissions_policy_middleware(get_response):
    """Permissions-Policy (Django has no setting for it): powerful browser features no page uses are turned off."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


# What is worth compressing: text. Pictures, archives and PDFs are compressed already; gzipping them again costs CPU
# and their Content-Length, and gains nothing.
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text responses only (pages, feeds, JSON); uploaded media passes as it is."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
