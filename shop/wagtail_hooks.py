from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.ui.tables.pages import BulkActionsColumn, PageStatusColumn, PageTitleColumn
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from shop.admin_views import OrderPermissionPolicy, OrdersDashboardPanel, OrderViewSet
from shop.models import Order, ProductPage
from shop.shipping_admin import ShippingRateViewSet


class ProductListingViewSet(PageListingViewSet):
    """Admin → Products: every product with its SKU, price and stock, searchable and sortable."""

    model = ProductPage
    icon = "tag"
    menu_label = "Products"
    add_to_admin_menu = True
    menu_order = 200
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label="Title", sort_key="title", classname="title"),
        Column("sku", label="SKU", sort_key="sku"),
        Column("price_display", label="Price", sort_key="price_amount"),
        Column("stock_on_hand", label="Stock on hand", sort_key="stock_on_hand"),
        Column("requires_shipping", label="Ships", sort_key="requires_shipping"),
        PageStatusColumn("status", label="Status", sort_key="live"),
        DateColumn("latest_revision_created_at", label="Updated", sort_key="latest_revision_created_at"),
    ]


products_viewset = ProductListingViewSet("products")


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
