"""Serving Wagtail pages with cached routing: Wagtail's own serve view, minus the per-request tree walk.

A URL seen before maps (in the cache, per pages generation) to the page's id, its type and whether any view
restriction applies to it or its ancestors. Serving it costs one query: the page, loaded by id *and* required
to be live and still at that URL, so even an entry that outlived a change can never serve an unpublished
page or one that has moved. A page under a view restriction still goes through Wagtail's check every time;
the check is skipped only for pages known to have none (any restriction saved or deleted replaces the
generation). Anything unusual (no Site, a route with arguments, an alias) is served by Wagtail's own path.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Model
from django.db.models.expressions import Col
from django.http import Http404, HttpResponse
from wagtail import hooks
from wagtail.models import Page
from wagtail.url_routing import RouteResult
from wagtail.wagtail_hooks import check_view_restrictions

from website.caching import ROUTE_TIMEOUT, key, local_copy, pages_generation, remember_locally, site_for_request

# The serve query per page model, prepared once per database: building it through the ORM (and mapping
# its columns to fields) costs several times what running it does. Stand-in values for the page's id and URL are
# swapped for the real ones on every request.
_ID_STANDIN = -987_654_321
_URL_STANDIN = "\x00url-path\x00"
_prepared: dict[tuple, PreparedServeQuery | None] = {}


@dataclass(frozen=True)
class PreparedServeQuery:
    sql: str
    params: list
    init_names: list[str]
    init_positions: list[int]
    annotations: list[tuple[str, int]]
    converters: dict


def _serve_queryset(model):
    queryset = model.get_serve_queryset() if hasattr(model, "get_serve_queryset") else model._default_manager.all()
    return queryset.order_by()


def _is_standin_id(value) -> bool:
    return type(value) is int and value == _ID_STANDIN


def _prepare(model, database: str) -> PreparedServeQuery | None:
    standin = _serve_queryset(model).using(database).filter(pk=_ID_STANDIN, live=True, url_path=_URL_STANDIN)
    sql, params = standin.query.sql_with_params()
    params = list(params)
    # A parameter computed in Python when the query was built (a datetime from timezone.now(), say) must be
    # computed afresh for every request, so such a query is never reused: built twice, it would differ.
    again = _serve_queryset(model).using(database).filter(pk=_ID_STANDIN, live=True, url_path=_URL_STANDIN)
    if (
        again.query.sql_with_params() != (sql, tuple(params))
        or sum(map(_is_standin_id, params)) != 1
        or params.count(_URL_STANDIN) != 1
        or any(isinstance(value, datetime.date | datetime.time) for value in params)
    ):
        return None
    # Which selected column feeds which field (or annotation), read from the compiler without running the query.
    compiler = standin.query.get_compiler(database)
    compiler.setup_query()
    expressions = [expression for expression, _sql, _alias in compiler.select]
    position_of_field = {}
    annotations = []
    for position, (expression, _sql, alias) in enumerate(compiler.select):
        if isinstance(expression, Col) and expression.target.model is not None:
            position_of_field.setdefault(expression.target, position)
        elif alias:
            annotations.append((alias, position))
    fields = model._meta.concrete_fields
    if any(field not in position_of_field for field in fields):
        return None
    return PreparedServeQuery(
        sql,
        params,
        [field.attname for field in fields],
        [position_of_field[field] for field in fields],
        annotations,
        compiler.get_converters(expressions),
    )


def _from_db(model, database: str, values: list):
    """`model.from_db()` for a full row in field order, minus the constructor work of Page and ClusterableModel that
    only applies to keyword arguments (child relations) or to a new page (its content type): both are no-ops here,
    and ClusterableModel's scans the model's fields on every call."""
    page = model.__new__(model)
    Model.__init__(page, *values)
    page._state.adding = False
    page._state.db = database
    return page


def load_live_page(model, *, page_id: int, url_path: str):
    """The page of `model` with this id, if it is live and at `url_path`; None otherwise. One query."""
    database = router.db_for_read(model)
    connection = connections[database]
    # Per database, not per connection: a threaded server opens a connection per thread. The converters only use the
    # connection for settings every connection to that database shares (its time zone).
    prepared_key = (model, database)
    if prepared_key not in _prepared:
        _prepared[prepared_key] = _prepare(model, database)
    prepared = _prepared[prepared_key]
    if prepared is None:
        return _serve_queryset(model).using(database).filter(pk=page_id, live=True, url_path=url_path).first()
    params = [
        page_id if _is_standin_id(value) else url_path if value == _URL_STANDIN else value for value in prepared.params
    ]
    with connection.cursor() as cursor:
        cursor.execute(prepared.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (converters, expression) in prepared.converters.items():
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        row[position] = value
    page = _from_db(model, database, [row[position] for position in prepared.init_positions])
    for name, position in prepared.annotations:
        setattr(page, name, row[position])
    return page


def _local_route(route_key: str):
    entry = local_copy(route_key)
    if entry is None:
        entry = cache.get(route_key)
        if entry is not None:
            remember_locally(route_key, entry)
    return entry


def _cached_route(request, site, path: str):
    route_key = key("route", pages_generation(), site.pk, path)
    entry = _local_route(route_key)
    if entry is not None:
        page_id, content_type_id, restricted = entry
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is not None:
            page = load_live_page(model, page_id=page_id, url_path=site.root_page.url_path + path)
            if page is not None:
                return RouteResult(page), restricted
    result = Page.route_for_request(request, path)
    if result is None:
        raise Http404
    page, args, kwargs = result
    if not args and not kwargs and page.alias_of_id is None and page.live:
        restricted = page.get_view_restrictions().exists()
        entry = (page.pk, page.content_type_id, restricted)
        cache.set(route_key, entry, ROUTE_TIMEOUT)
        remember_locally(route_key, entry)
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
