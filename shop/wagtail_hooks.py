from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.ui.tables.pages import BulkActionsColumn, PageStatusColumn, PageTitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from shop.admin_views import OrderPermissionPolicy, OrdersDashboardPanel, OrderViewSet
from shop.models import Order, ProductPage, Stock
from shop.shipping_admin import ShippingRateViewSet
from shop.stock import stock_set
from shop.stock_admin import (
    ProductListingIndexView,
    ProductStockFilterSet,
    StockIndexView,
    VariantStockColumn,
    stock_urlpatterns,
)


class ProductListingViewSet(PageListingViewSet):
    """Admin → Products: every product with its SKU, price and each variant's stock, searchable, sortable and
    filterable by low stock (shop.stock_admin)."""

    model = ProductPage
    index_view_class = ProductListingIndexView
    filterset_class = ProductStockFilterSet
    icon = "tag"
    menu_label = "Products"
    add_to_admin_menu = True
    menu_order = 200
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label="Title", sort_key="title", classname="title"),
        Column("sku", label="SKU", sort_key="sku"),
        Column("price_display", label="Price", sort_key="price_amount"),
        VariantStockColumn("variant_stock", label="Stock per variant"),
        Column("requires_shipping", label="Ships", sort_key="requires_shipping"),
        PageStatusColumn("status", label="Status", sort_key="live"),
        DateColumn("latest_revision_created_at", label="Updated", sort_key="latest_revision_created_at"),
    ]


products_viewset = ProductListingViewSet("products")


class StockForm(WagtailAdminModelForm):
    """The figure an editor states applies at once through shop.stock.stock_set, under the product's lock."""

    class Meta:
        model = Stock
        fields = ["quantity"]

    def save(self, commit=True):
        return stock_set(variant=self.instance.variant, quantity=self.cleaned_data["quantity"])


class StockCreateForm(StockForm):
    """For a variant that has no stock row yet (one made before rows were made with every variant)."""

    class Meta:
        model = Stock
        fields = ["variant", "quantity"]

    def save(self, commit=True):
        return stock_set(variant=self.cleaned_data["variant"], quantity=self.cleaned_data["quantity"])


class StockViewSet(ModelViewSet):
    """Admin → Stock: units on hand per variant, changed directly (no page revision, nothing to publish)."""

    model = Stock
    index_view_class = StockIndexView
    icon = "tag"
    menu_label = "Stock"
    add_to_admin_menu = True
    menu_order = 210
    list_display = ["variant", "quantity", "updated_at"]
    search_fields = ["variant__product__title", "variant__sku"]
    ordering = ["variant__sku", "pk"]

    def get_queryset(self, request):
        return Stock.objects.select_related("variant__product")

    def get_form_class(self, for_update=False):
        return StockForm if for_update else StockCreateForm

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *stock_urlpatterns()]


stock_viewset = StockViewSet("stock")


@hooks.register("register_admin_viewset")
def register_stock_viewset():
    return stock_viewset


@hooks.register("register_admin_viewset")
def register_products_viewset():
    return products_viewset


register_permission_policy(Order, OrderPermissionPolicy(Order), exact_class=True)
orders_viewset = OrderViewSet("shop_order")


@hooks.register("register_admin_viewset")
def register_orders_viewset():
    return orders_viewset


@hooks.register("construct_homepage_panels")
def add_orders_panel(request, panels):
    if OrderPermissionPolicy(Order).user_has_permission(request.user, "view"):
        panels.append(OrdersDashboardPanel())


register_snippet(ShippingRateViewSet)
