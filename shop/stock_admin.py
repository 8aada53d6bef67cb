"""Stock in the Wagtail admin, per variant: the product listing's stock column and low-stock filter, the quick stock
edit (a figure set beside the page, never a revision of it), and the stock CSV export and import.

Every change goes through shop.stock (or shop.stock_csv, which applies through it): the variant rows are locked as
a checkout locks them, and each changed Stock row is saved, which purges the product's cached page
(website.signals). Changing stock needs the `shop.change_stock` permission; reading it in the export, `view_stock`
or `change_stock`.
"""

from __future__ import annotations

import csv
from datetime import date

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from shop.models import ProductPage, ProductVariant, Stock
from shop.querysets import AVAILABLE_ANNOTATION, available_quantity_expression
from shop.stock import StockError, stock_set
from shop.stock_csv import (
    MAX_IMPORT_BYTES,
    MAX_ON_HAND,
    StockImportError,
    stock_export_rows,
    stock_import_apply,
    stock_import_parse,
)

# Where the listing's rows carry their variants (with stock and availability annotated) for the stock column.
VARIANT_STOCK_ATTRIBUTE = "admin_variants_with_stock"


def can_change_stock(user) -> bool:
    return ModelPermissionPolicy(Stock).user_has_permission(user, "change")


def can_view_stock(user) -> bool:
    return ModelPermissionPolicy(Stock).user_has_any_permission(user, ["view", "change"])


# --- The product listing ----------------------------------------------------------------------------------------


def variants_with_stock(product_ids) -> dict[int, list[ProductVariant]]:
    """Each product's variants in the editor's order, with units on hand and available annotated: one query for a
    whole page of products."""
    by_product: dict[int, list[ProductVariant]] = {product_id: [] for product_id in product_ids}
    variants = ProductVariant.objects.filter(product_id__in=list(by_product)).with_availability()
    for variant in variants.order_by("product_id", "sort_order", "pk"):
        by_product[variant.product_id].append(variant)
    return by_product


def variants_with_stock_attach(products: list[ProductPage]) -> None:
    """Give each product of a listing page its variants with stock (VARIANT_STOCK_ATTRIBUTE)."""
    found = variants_with_stock(product.pk for product in products)
    for product in products:
        for variant in found[product.pk]:
            variant.product = product
        setattr(product, VARIANT_STOCK_ATTRIBUTE, found[product.pk])


class VariantStockColumn(Column):
    """Each variant's label (or SKU), units on hand and available; with the change permission, a link to set it."""

    cell_template_name = "shop/admin/variant_stock_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        variants = getattr(instance, VARIANT_STOCK_ATTRIBUTE, None)
        if variants is None:  # a row not from ProductListingIndexView: its own query
            variants = variants_with_stock([instance.pk])[instance.pk]
        request = parent_context.get("request")
        context["variants"] = variants
        context["low_threshold"] = settings.SHOP_LOW_STOCK_THRESHOLD
        context["can_change"] = request is not None and can_change_stock(request.user)
        context["next_url"] = listing_url(request)
        return context


def listing_url(request) -> str:
    """The product listing as the editor sees it (filters, search, page), to come back to after setting stock. Not
    the request's own path: filtering fetches the rows from the listing's results/ fragment URL."""
    index = reverse("products:index")
    if request is None:
        return index
    query = request.GET.copy()
    query.pop("_w_filter_fragment", None)
    return f"{index}?{query.urlencode()}" if query else index


class ProductListingIndexView(IndexView):
    """The products listing: its rows get their variants' stock in one query per page of results (whether listed,
    filtered or searched), and the stock CSV buttons."""

    def get_table(self, object_list):
        products = list(object_list)
        variants_with_stock_attach(products)
        return super().get_table(products)

    @cached_property
    def header_more_buttons(self):
        # In the "more" menu: the listing's header has no room left beside its title, search and filters.
        links = stock_csv_links(self.request.user)
        more = [Button(label, url=url, icon_name=icon, priority=50) for label, url, icon in links]
        return [*super().header_more_buttons, *more]


class StockIndexView(generic.IndexView):
    """Admin → Stock: the stock CSV buttons beside the list."""

    @cached_property
    def header_buttons(self):
        links = stock_csv_links(self.request.user)
        return [*super().header_buttons, *(HeaderButton(label, url=url, icon_name=icon) for label, url, icon in links)]


def stock_csv_links(user) -> list[tuple[str, str, str]]:
    """(label, URL, icon) of the stock CSV views this user may use."""
    links = []
    if can_view_stock(user):
        links.append(("Export stock CSV", reverse("stock:export_csv"), "download"))
    if can_change_stock(user):
        links.append(("Import stock CSV", reverse("stock:import_csv"), "upload"))
    return links


class WholeNumberFilter(django_filters.NumberFilter):
    """NumberFilter reads decimals; units are whole."""

    field_class = forms.IntegerField


def _variants_at_most(units: int):
    """Products with a variant of which at most `units` can be bought now (0: a variant is sold out)."""
    low = (
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .annotate(available=available_quantity_expression())
        .filter(available__lte=units)
    )
    return ProductPage.objects.filter(Exists(low)).values("pk")


STOCK_LOW, STOCK_VARIANT_OUT, STOCK_SOLD_OUT = "low", "variant_out", "sold_out"


class ProductStockFilterSet(PageListingViewSet.filterset_class):
    """Low stock, by what shoppers can buy now (on hand minus live holds), as the shop's labels judge it."""

    stock = django_filters.ChoiceFilter(
        label="Stock",
        empty_label="Any",
        choices=[
            (STOCK_LOW, f"Low: a variant at or below {settings.SHOP_LOW_STOCK_THRESHOLD} available"),
            (STOCK_VARIANT_OUT, "A variant sold out"),
            (STOCK_SOLD_OUT, "Sold out (every variant)"),
        ],
        method="filter_stock",
        widget=forms.RadioSelect,
    )
    variant_available_at_most = WholeNumberFilter(
        label="A variant with at most this many available",
        method="filter_variant_available_at_most",
        min_value=0,
        max_value=MAX_ON_HAND,
    )

    class Meta:
        model = ProductPage
        fields = []

    # Filtered by primary key (`pk__in`): the admin's search runs on the filtered rows, and Wagtail's search
    # backends accept a filter on the page id where they refuse an arbitrary expression.
    def filter_stock(self, queryset, name, value):
        if value == STOCK_LOW:
            return queryset.filter(pk__in=_variants_at_most(settings.SHOP_LOW_STOCK_THRESHOLD))
        if value == STOCK_VARIANT_OUT:
            return queryset.filter(pk__in=_variants_at_most(0))
        if value == STOCK_SOLD_OUT:
            sold_out = ProductPage.objects.with_availability().filter(**{AVAILABLE_ANNOTATION: 0}).values("pk")
            return queryset.filter(pk__in=sold_out)
        return queryset

    def filter_variant_available_at_most(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=_variants_at_most(value))


# --- The quick stock edit ---------------------------------------------------------------------------------------


class VariantStockForm(forms.Form):
    on_hand = forms.IntegerField(
        label="Units on hand",
        min_value=0,
        max_value=MAX_ON_HAND,
        help_text="How many are in the warehouse now. Applies at once, whatever revision is live or drafted.",
    )


def _safe_next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("products:index")


class StockFormView(WagtailAdminTemplateMixin, FormView):
    """A stock form in the admin: Home → Products → its title, in the header."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("products:index"), "label": "Products"},
            {"url": "", "label": self.get_header_title()},
        ]


class VariantStockEditView(StockFormView):
    """One variant's units on hand, set from the product listing: no page revision, nothing to publish."""

    form_class = VariantStockForm
    template_name = "shop/admin/variant_stock_edit.html"
    page_title = "Set stock"
    header_icon = "tag"

    def dispatch(self, request, variant_id):
        if not can_change_stock(request.user):
            raise PermissionDenied
        self.variant = get_object_or_404(
            ProductVariant.objects.select_related("product").with_availability(), pk=variant_id
        )
        return super().dispatch(request, variant_id)

    def get_page_subtitle(self):
        return str(self.variant)

    def get_initial(self):
        return {"on_hand": self.variant.stock_on_hand}

    def get_context_data(self, **kwargs):
        return super().get_context_data(variant=self.variant, next_url=_safe_next_url(self.request), **kwargs)

    def form_valid(self, form):
        try:
            stock = stock_set(variant=self.variant, quantity=form.cleaned_data["on_hand"])
        except StockError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"{self.variant} ({self.variant.sku}): {stock.quantity} on hand.")
        return redirect(_safe_next_url(self.request))


# --- CSV export and import --------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def stock_export_csv(request):
    """Every variant's SKU, product, options, units on hand and available, as a CSV download."""
    if not can_view_stock(request.user):
        raise PermissionDenied
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in stock_export_rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="stock-{date.today().isoformat()}.csv"'
    return response


class StockImportForm(forms.Form):
    file = forms.FileField(
        label="Stock file (CSV)",
        help_text=(
            "A CSV file whose first row names the columns sku and on_hand, as the export does (other columns are "
            "ignored). Every row is checked first: nothing changes unless the whole file is right."
        ),
    )


class StockImportView(StockFormView):
    form_class = StockImportForm
    template_name = "shop/admin/stock_import.html"
    page_title = "Import stock CSV"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_change_stock(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            export_url=reverse("stock:export_csv"), products_url=reverse("products:index"), **kwargs
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            # Refused before reading it into memory; stock_import_parse says the same of bytes handed to it.
            problems = [f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB: split it in two."]
            return self.render_to_response(self.get_context_data(form=form, problems=problems), status=400)
        parsed = stock_import_parse(data=upload.read())
        if parsed.is_valid:
            try:
                changed = stock_import_apply(parsed=parsed)
            except StockImportError as error:  # a variant deleted since the check
                problems = [str(problem) for problem in error.problems]
                return self.render_to_response(self.get_context_data(form=form, problems=problems), status=400)
            messages.success(
                self.request,
                f"Stock imported: {changed} variant{'s' if changed != 1 else ''} changed "
                f"({parsed.rows} row{'s' if parsed.rows != 1 else ''} read).",
            )
            return redirect("products:index")
        problems = [str(problem) for problem in parsed.problems]
        return self.render_to_response(self.get_context_data(form=form, problems=problems), status=400)


def stock_urlpatterns() -> list:
    """Added to the Stock viewset's URLs (names stock:variant_edit, stock:export_csv, stock:import_csv)."""
    return [
        path("variant/<int:variant_id>/", VariantStockEditView.as_view(), name="variant_edit"),
        path("export/", stock_export_csv, name="export_csv"),
        path("import/", StockImportView.as_view(), name="import_csv"),
    ]
