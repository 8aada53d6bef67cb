"""Serving Wagtail pages with cached routing: Wagtail's own serve view, minus the per-request tree walk.

A URL seen before maps (in the cache, per pages generation) to the page's id, its type and whether any view
restriction applies to it or its ancestors. Serving it costs one query: the page, loaded by id *and* required
to be live and still at that URL, so even an entry that outlived a change can never serve an unpublished
page or one that has moved. A page under a view restriction still goes through Wagtail's check every time;
the check is skipped only for pages known to have none (any restriction saved or deleted replaces the
generation). Anything unusual (no Site, a route with arguments, an alias) is served by Wagtail's own path.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import Http404, HttpResponse
from wagtail import hooks
from wagtail.models import Page
from wagtail.url_routing import RouteResult
from wagtail.wagtail_hooks import check_view_restrictions

from website.caching import ROUTE_TIMEOUT, key, pages_generation, site_for_request


def _cached_route(request, site, path: str):
    route_key = key("route", pages_generation(), site.pk, path)
    entry = cache.get(route_key)
    if entry is not None:
        page_id, content_type_id, restricted = entry
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is not None:
            queryset = model.get_serve_queryset() if hasattr(model, "get_serve_queryset") else model._default_manager
            url_path = site.root_page.url_path + path
            page = queryset.filter(pk=page_id, live=True, url_path=url_path).first()
            if page is not None:
                return RouteResult(page), restricted
    result = Page.route_for_request(request, path)
    if result is None:
        raise Http404
    page, args, kwargs = result
    if not args and not kwargs and page.alias_of_id is None and page.live:
        restricted = page.get_view_restrictions().exists()
        cache.set(route_key, (page.pk, page.content_type_id, restricted), ROUTE_TIMEOUT)
        return result, restricted
    return result, True


def serve(request, path: str):
    site = site_for_request(request)
    if site is None:
        raise Http404
    path = "/".join(component for component in path.split("/") if component)
    path = f"{path}/" if path else ""
    (page, args, kwargs), restricted = _cached_route(request, site, path)
    request._wagtail_route_for_request = RouteResult(page, args, kwargs)

    def serve_chain(page, request, args, kwargs):
        return page.serve(request, *args, **kwargs)

    on_serve_chain = serve_chain
    for wrapper in reversed(hooks.get_hooks("on_serve_page")):
        if wrapper is check_view_restrictions and not restricted:
            continue
        on_serve_chain = wrapper(on_serve_chain)

    for hook in hooks.get_hooks("before_serve_page"):
        result = hook(page, request, args, kwargs)
        if isinstance(result, HttpResponse):
            return result

    return on_serve_chain(page, request, args, kwargs)
