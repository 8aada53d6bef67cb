import logging

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING, REASON_NO_CSRF_COOKIE, get_token
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_safe
from django.views.static import serve as static_serve

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


# Why a form from a page the cache served can arrive without its token: the visitor has no JavaScript (which fills
# the token in from their cookie, static/js/csrf.js) or no CSRF cookie yet. Any other reason is Django's 403.
TOKEN_NOT_YET_GIVEN = {REASON_NO_CSRF_COOKIE, REASON_CSRF_TOKEN_MISSING}


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form posted from one of our own pages before the visitor had a token (a cached page seen
    without JavaScript) goes back to that page with a message and a token, so pressing the button again works; the
    rejected request changed nothing. Everything else (a wrong token, a foreign origin) is Django's own 403."""
    back = request.headers.get("Referer", "")
    same_site = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if request.method != "POST" or reason not in TOKEN_NOT_YET_GIVEN or not back or not same_site:
        return django_csrf_failure(request, reason=reason)
    get_token(request)  # the CSRF cookie goes out with the redirect
    # The message also keeps the page out of the shared cache for this visitor, so it comes back with a real token.
    messages.warning(request, "That form arrived before your browser had our security token. Please send it again.")
    return HttpResponseRedirect(back, status=303)


@require_safe
def media(request, path):
    """An uploaded file (MEDIA_ROOT), with a Cache-Control browsers and caches in front keep it for
    (MEDIA_CACHE_SECONDS). Django's static view answers If-Modified-Since and refuses paths outside MEDIA_ROOT."""
    response = static_serve(request, path, document_root=settings.MEDIA_ROOT)
    patch_cache_control(response, public=True, max_age=settings.MEDIA_CACHE_SECONDS)
    return response
