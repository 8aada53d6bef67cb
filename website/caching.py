"""Cross-request caches for the public pages, in Django's cache (locmem in development and tests, Redis when
REDIS_URL is set; a deployment with more than one process needs Redis so that invalidation reaches them all).

Wagtail looks up the Site, walks the tree (two queries a URL segment), checks view restrictions and loads site
settings on every request. Here all of that is cached under one *generation*: a token every cached entry's key
includes, replaced whenever anything those entries depend on changes (a page saved, published, unpublished,
moved or deleted, a view restriction, a Site or the site branding), so old entries are never read again.

What is never cached across requests: anything per visitor (header cart count, sign-in state, messages, CSRF
tokens) and the page row itself, which the serve view still loads, live and at its URL, on every request.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

from django.core.cache import cache
from django.http.request import split_domain_port
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

GENERATION_KEY = "website:pages:generation"
# Entries also expire on their own, so a cache that missed an invalidation (see the module docstring) heals.
ROUTE_TIMEOUT = 60 * 60
SITE_TIMEOUT = 60 * 60


# Inside a request (PagesGenerationMiddleware) the generation is read from the cache once, on first use, and kept here.
_request_generation: ContextVar[list | None] = ContextVar("website_pages_generation", default=None)


def pages_generation() -> str:
    memo = _request_generation.get()
    if memo is not None and memo[0] is not None:
        return memo[0]
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        # add(), not set(): two processes starting at once agree on one generation.
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY) or generation
    if memo is not None:
        memo[0] = generation
    return generation


def invalidate_pages(**_signal_kwargs) -> None:
    """Forget every cached route, site, setting and fragment. A signal receiver as it stands."""
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, None)
    memo = _request_generation.get()
    if memo is not None:
        # A change made while serving a request: the rest of this request sees it too.
        memo[0] = generation


def pin_generation_for_request():
    """Start remembering the generation for the current request (read lazily); returns a token for `unpin_generation`.

    Touches neither the cache nor the database, so a request that needs neither (a health check) never waits on them.
    """
    return _request_generation.set([None])


def unpin_generation(token) -> None:
    _request_generation.reset(token)


def lazy_pages_generation():
    """For templates (`{% cache %}` vary-on values): read from the cache only when a fragment asks for it."""
    return SimpleLazyObject(pages_generation)


# Entries keyed on the generation, also kept in this process as read: the generation (read from the shared cache
# once per request) is what decides freshness, so a local copy under the same key is exactly as fresh and spares
# unpickling a Site or a settings row on every request. Bounded; cleared whole when full.
_LOCAL_LIMIT = 2048
_local: dict[str, object] = {}
_MISSING = object()


def cached(cache_key: str, compute, timeout: int):
    """The value under `cache_key` (which must include the pages generation), computing and storing it on a miss."""
    value = _local.get(cache_key, _MISSING)
    if value is not _MISSING:
        return value
    value = cache.get(cache_key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(cache_key, value, timeout)
    if len(_local) >= _LOCAL_LIMIT:
        _local.clear()
    _local[cache_key] = value
    return value


def local_copy(cache_key: str):
    return _local.get(cache_key)


def remember_locally(cache_key: str, value) -> None:
    if len(_local) >= _LOCAL_LIMIT:
        _local.clear()
    _local[cache_key] = value


def forget_local() -> None:
    """Drop this process's copies (tests that empty the shared cache call it too)."""
    _local.clear()


def key(*parts) -> str:
    return ":".join(["website", *(str(part) for part in parts)])


def site_for_request(request):
    """Wagtail's Site for this request, from the cache; stored where Wagtail looks for it (request._wagtail_site)."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    # The site (or None, stored as 0) together with its root page, so URLs need no query either.
    site = cached(
        key("site", pages_generation(), hostname, port), lambda: Site._find_for_request(request) or 0, SITE_TIMEOUT
    )
    site = site or None
    request._wagtail_site = site
    return site
