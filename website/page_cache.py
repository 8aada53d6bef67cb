"""Whole pages cached for anonymous visitors, per page, in Django's cache (Redis in production), purged per page.

How it fits together (README, "Serving and caching"):

- Pages are served by Wagtail's own view. Its `before_serve_page` hook (website.wagtail_hooks) marks a page as
  storable (`mark_storable`): no view restriction on it or above it, no route arguments.
- `PageCacheMiddleware` answers a request from the cache only when it carries no per-visitor state: a GET or
  HEAD without a session or messages cookie and without an Authorization header. Such a visitor is anonymous
  with an empty cart and no messages, so the header (cart count, sign-in state, messages) is the same for all
  of them; a visitor with a session skips the cache. Cacheable pages hold no CSRF token: the one form they
  carry (add to cart) gets its token from the visitor's own cookie (static/js/csrf.js).
- A response is stored only when it is a 200 for a storable page, sets no cookie and says nothing private.
- Keys hold the page's *version*, read before the page is rendered; purging a page replaces its version, so
  a render that started before a change can never be stored as current. The first request for a URL only
  learns which page it shows (and which query parameters that page reads); the next one may be stored.
- Query strings are reduced to the parameters the page declares (`cache_query_params`), in a fixed order:
  unknown parameters never create entries.

Purges (`page_cache_purge`) name pages: a publish, unpublish, move, delete or view restriction purges the page,
its descendants and its parent (the listing that shows it); a sale or refund purges the products sold and their
listing (shop.receivers). Only a Site or site-branding change retires every page. The same pages are purged
from an HTTP cache in front (Varnish) through `wagtail.contrib.frontend_cache` when WAGTAILFRONTENDCACHE is set.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

logger = logging.getLogger(__name__)

MESSAGES_COOKIE = "messages"
STATUS_HEADER = "X-Page-Cache"
SITE_VERSION_KEY = "pagecache:site"


def _timeout() -> int:
    return int(settings.PAGE_CACHE_TIMEOUT)


def _version_key(page_id: int) -> str:
    return f"pagecache:version:{page_id}"


def _route_key(host: str, path: str) -> str:
    return "pagecache:route:" + hashlib.sha256(f"{host}{path}".encode()).hexdigest()


def _response_key(*, page_id: int, version: str, site_version: str, host: str, path: str, query: str) -> str:
    digest = hashlib.sha256(f"{host}{path}?{query}".encode()).hexdigest()
    return f"pagecache:response:{page_id}:{version}:{site_version}:{digest}"


def _versions(page_id: int) -> tuple[str, str]:
    """The page's version and the site's, created (add(): two processes agree) when missing."""
    keys = [_version_key(page_id), SITE_VERSION_KEY]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, uuid.uuid4().hex, None)
            found[key] = cache.get(key)
    return found[keys[0]], found[keys[1]]


def normalised_query(query_dict, params: Iterable[str]) -> str:
    """The query string reduced to `params`, sorted by name, values in the order given."""
    return urlencode([(name, value) for name in sorted(params) for value in query_dict.getlist(name)])


def request_may_use_cache(request) -> bool:
    """A visitor with no state worth varying on: GET/HEAD, no session or messages cookie, no credentials."""
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return False
    return "HTTP_AUTHORIZATION" not in request.META


def mark_storable(request, page) -> None:
    """Called by the before_serve_page hook for a page any anonymous visitor may see as it is."""
    request.page_cache_page = page


class PageCacheMiddleware:
    """Answers anonymous visitors from the page cache and stores what Wagtail served them. Sits above the
    session, CSRF and messages middleware so it sees every cookie they set on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_may_use_cache(request):
            response = self.get_response(request)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            return response
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        path = request.path
        route = cache.get(_route_key(host, path))
        key = None
        if route is not None:
            page_id, params = route
            version, site_version = _versions(page_id)
            key = _response_key(
                page_id=page_id,
                version=version,
                site_version=site_version,
                host=host,
                path=path,
                query=normalised_query(request.GET, params),
            )
            cached = cache.get(key)
            if cached is not None:
                cached[STATUS_HEADER] = "hit"
                return cached
        response = self.get_response(request)
        page = getattr(request, "page_cache_page", None)
        if page is None or not self._storable(response):
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            return response
        params = tuple(sorted(getattr(page, "cache_query_params", ())))
        timeout = _page_timeout(page, request)
        patch_cache_control(response, public=True, max_age=0, s_maxage=timeout)
        response[STATUS_HEADER] = "miss"
        if route is None or route != (page.pk, params):
            # First sight of this URL (or it now shows another page): learn the route, store next time.
            cache.set(_route_key(host, path), (page.pk, params), None)
        elif timeout > 0 and request.method == "GET":
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, timeout)
        return response

    @staticmethod
    def _storable(response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def _page_timeout(page, request) -> int:
    """The site's page timeout, shortened by the page when what it shows changes at a known moment."""
    timeout = _timeout()
    seconds_until_change = getattr(page, "cache_seconds_until_change", None)
    if seconds_until_change is not None:
        until = seconds_until_change()
        if until is not None:
            timeout = max(min(timeout, int(until)), 0)
    return timeout


def page_cache_purge(*, pages: Iterable, edge: bool = True) -> None:
    """Retire the cached responses of these pages (any URL, any query string), here and (`edge`) in front."""
    pages = [page for page in pages if page is not None]
    if not pages:
        return
    cache.set_many({_version_key(page.pk): uuid.uuid4().hex for page in pages}, None)
    if edge and getattr(settings, "WAGTAILFRONTENDCACHE", None):
        try:
            purge_pages_from_cache(pages)
        except Exception:  # an unreachable edge cache must not fail the editor's or buyer's request
            logger.exception("Purging %s page(s) from the frontend cache failed", len(pages))


def page_cache_purge_on_commit(*, pages: Iterable) -> None:
    """Purge now (this process's next read sees it) and again once the transaction commits, so a render that read
    the old rows while the transaction was open is not kept."""
    pages = list(pages)
    page_cache_purge(pages=pages, edge=False)
    transaction.on_commit(lambda: page_cache_purge(pages=pages), robust=True)


def page_cache_purge_site() -> None:
    """Retire every cached page: only for what every page shows (the Site, the site branding)."""
    cache.set(SITE_VERSION_KEY, uuid.uuid4().hex, None)
