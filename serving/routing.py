"""Serving a page in fewer queries, through Wagtail's public seams: `Page.route()` and `get_view_restrictions()`.

Wagtail's serve view asks the site's root page to `route()` the URL's segments. The default walks the tree one
level at a time, two queries a level (the child by slug, then its specific row), and the page it finds then asks
for its view restrictions twice (once by website.wagtail_hooks, may it be stored; once by Wagtail, may this
visitor see it). `ServedPage` changes neither answer, only their cost:

- the root page (HomePage) finds every page along the URL by slug and `url_path` in one light query (`url_path` is
  the slug chain Wagtail keeps for each page), then loads the page at the end, specific, from its class's
  `serving_queryset()`, with what its template reads (a product's availability and image) in the same query;
- where any page along the way routes its own children (it overrides `route()`, say a RoutablePageMixin) or the
  rows do not form one chain, it hands the segments to Wagtail's own walk, which then decides as it always does;
- the page being served answers both restriction checks from one evaluated QuerySet.

tests/serving/test_routing.py checks that every page of a tree routes to what Wagtail's walk gives.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page


class ServedPage:
    """Mixin for the site's page models (before `Page` in the bases)."""

    @classmethod
    def serving_queryset(cls):
        """The rows a served page of this class is loaded from: override to annotate or prefetch what it shows."""
        return cls.objects.all()

    def get_view_restrictions(self):
        restrictions = getattr(self, "view_restrictions_while_served", None)
        if restrictions is not None:
            return restrictions
        return super().get_view_restrictions()

    def view_restrictions_for_serving(self):
        """This page's restrictions (its own and its ancestors'), evaluated once for the request serving it: both
        checks Wagtail's serve view runs then share one set of queries."""
        restrictions = self.get_view_restrictions()
        bool(restrictions)  # evaluates the QuerySet; iterating it again reads its result cache (Django's docs)
        self.view_restrictions_while_served = restrictions
        return restrictions


def route_below(root, request, path_components):
    """The route to the page `path_components` name below `root`, as Wagtail's walk would give it, in two queries;
    None when the walk must be Wagtail's own (a page on the way routes its own children, or nothing matches)."""
    url_paths = [root.url_path + "/".join(path_components[: depth + 1]) + "/" for depth in range(len(path_components))]
    rows = list(
        # slug: Wagtail indexes it (url_path has no index of its own).
        Page.objects.filter(slug__in=set(path_components), url_path__in=url_paths, path__startswith=root.path)
        .order_by("depth")
        .values("id", "path", "depth", "url_path", "content_type_id")
    )
    if len(rows) != len(url_paths):
        return None
    parent_path = root.path
    models = []
    for depth, (row, url_path) in enumerate(zip(rows, url_paths, strict=True), start=root.depth + 1):
        # One chain, parent to child, as the slug walk would find it.
        if row["url_path"] != url_path or row["depth"] != depth or not row["path"].startswith(parent_path):
            return None
        parent_path = row["path"]
        models.append(ContentType.objects.get_for_id(row["content_type_id"]).model_class())
    if any(model is None for model in models) or any(model.route is not Page.route for model in models[:-1]):
        return None
    page_model = models[-1]
    serving_queryset = getattr(page_model, "serving_queryset", None)
    queryset = serving_queryset() if serving_queryset is not None else page_model.objects.all()
    page = queryset.filter(pk=rows[-1]["id"]).first()
    if page is None:
        return None
    return page.route(request, [])
