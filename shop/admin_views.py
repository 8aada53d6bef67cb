"""Wagtail admin for orders: a searchable, filterable, exportable list, a detail page with lines and charges,
a full refund, and the dashboard panel. Orders change only through checkout, billing and the refund action:
nobody adds, edits or deletes them by hand.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView, InspectView, WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from billing.models import Charge
from billing.money import format_amount
from shop import fulfilment, shipping_admin
from shop.models import Order
from shop.statuses import OrderStatus


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Viewing and refunding follow the usual permissions; nobody adds, edits or deletes orders by hand."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def _can_refund(user, order: Order) -> bool:
    return order.status in Order.Status.fulfilled() and OrderPermissionPolicy(Order).user_has_permission(user, "refund")


class OrderInspectView(InspectView):
    template_name = "shop/admin/order_inspect.html"

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if _can_refund(self.request.user, self.object):
            buttons.append(
                HeaderButton("Refund", url=reverse("shop_order:refund", args=[self.object.pk]), icon_name="undo")
            )
        buttons.extend(shipping_admin.order_header_buttons(self.request.user, self.object))
        return buttons

    def get_total_amount_display_value(self):
        return self.object.total_display

    def get_shipping_amount_display_value(self):
        return self.object.shipping_display

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            lines=list(self.object.lines.all()),
            charges=list(Charge.objects.for_object(self.object).order_by("-created_at")),
            events=list(self.object.events.select_related("user")),
            can_ship=shipping_admin.can_ship(self.request.user),
            **kwargs,
        )


class OrderIndexView(IndexView):
    def get_base_queryset(self):
        # The CSV's Items column reads every order's lines: one query for all of them.
        return super().get_base_queryset().prefetch_related("lines")

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if shipping_admin.can_ship(self.request.user):
            buttons.append(HeaderButton("Ship orders", url=reverse("shop_order:ship_many"), icon_name="site"))
        return buttons


class OrderRefundForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The buyer sees this on their order page and in the refund e-mail.",
    )
    restock = forms.BooleanField(
        label="Put the units back on the shelf",
        required=False,
        help_text="Untick when the goods have not come back, or must be checked first.",
    )


class OrderRefundView(WagtailAdminTemplateMixin, FormView):
    form_class = OrderRefundForm
    template_name = "shop/admin/order_refund.html"
    page_title = "Refund order"
    header_icon = "undo"

    def dispatch(self, request, pk):
        self.order = get_object_or_404(Order, pk=pk)
        if not OrderPermissionPolicy(Order).user_has_permission(request.user, "refund"):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.order)

    def get_initial(self):
        return {"restock": settings.SHOP_RESTOCK_ON_REFUND}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            order=self.order, inspect_url=reverse("shop_order:inspect", args=[self.order.pk]), **kwargs
        )

    def form_valid(self, form):
        try:
            order = fulfilment.order_refund(
                order=self.order, reason=form.cleaned_data["reason"], restock=form.cleaned_data["restock"]
            )
        except fulfilment.OrderActionError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        restocked = " Its units are back on the shelf." if order.restocked_at else ""
        messages.success(self.request, f"Refunded {order.total_display} for {order}.{restocked}")
        return redirect("shop_order:inspect", order.pk)


def status_filter_choices() -> list[tuple[str, str]]:
    """One choice per word: the statuses that read the same ("Canceled": expired and canceled) are one choice, keyed
    by the first of them, rather than two choices that look alike."""
    seen: dict[str, str] = {}
    for value, label in OrderStatus.choices:
        seen.setdefault(label, value)
    return [(value, label) for label, value in seen.items()]


def statuses_reading_as(value: str) -> list[str]:
    label = OrderStatus(value).label
    return [status.value for status in OrderStatus if status.label == label]


class OrderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=status_filter_choices,
        method="filter_status",
        widget=forms.RadioSelect,
        empty_label="All",
    )

    class Meta:
        model = Order
        fields = ["status", "currency", "created_at", "paid_at"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=statuses_reading_as(value))


class OrderViewSet(ModelViewSet):
    model = Order
    icon = "list-ul"
    menu_label = "Orders"
    add_to_admin_menu = True
    menu_order = 210
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    inspect_view_class = OrderInspectView
    index_view_class = OrderIndexView
    list_display = [
        "number",
        "user",
        "email",
        Column("total_display", label="Total"),
        Column("status", label="Status", accessor="get_status_display"),
        DateColumn("created_at", label="Placed"),
        DateColumn("paid_at", label="Paid"),
    ]
    filterset_class = OrderFilterSet
    search_fields = ["number", "email", "user__username", "user__email", "user__first_name", "user__last_name"]
    list_export = [
        "number",
        "user",
        "email",
        "get_status_display",
        "currency",
        "total_amount",
        "shipping_amount",
        "created_at",
        "paid_at",
        "refunded_at",
        "refund_reason",
        "items_summary",
        *shipping_admin.EXPORT_FIELDS,
    ]
    export_headings = {
        "get_status_display": "Status",
        "total_amount": "Total (minor units)",
        "shipping_amount": "Shipping (minor units)",
        "user": "User",
        "items_summary": "Items",
        **shipping_admin.EXPORT_HEADINGS,
    }
    export_filename = "orders"
    inspect_view_fields = [
        "number",
        "status",
        "user",
        "email",
        "total_amount",
        "currency",
        "created_at",
        "paid_at",
        "closed_at",
        "refunded_at",
        "refund_reason",
        "restocked_at",
        "shipping_rate_name",
        "shipping_amount",
        "carrier",
        "tracking_number",
        "tracking_url",
        "shipped_at",
        "delivered_at",
    ]

    @property
    def permission_policy(self):
        return OrderPermissionPolicy(Order)

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().filter(codename__in=["view_order", "refund_order", "ship_order"])

    def register_admin_url_finder(self):
        pass  # there is no edit view to point at

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("refund/<int:pk>/", OrderRefundView.as_view(), name="refund"),
            *shipping_admin.order_urlpatterns(),
        ]


class OrdersDashboardPanel(Component):
    """The admin home: how many orders need attention and what the shop took in the last 7 days."""

    name = "shop_orders"
    template_name = "shop/admin/dashboard_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        since = timezone.now() - timedelta(days=7)
        open_counts = dict(
            Order.objects.open()
            .order_by()
            .values_list("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
        revenue = (
            Order.objects.paid_since(since)
            .order_by("currency")
            .values("currency")
            .annotate(total=Sum("total_amount"), count=Count("pk"))
        )
        return {
            "open_count": sum(open_counts.values()),
            "open_by_status": [
                (label, open_counts.get(value, 0)) for value, label in Order.Status.choices if value in open_counts
            ],
            "revenue": [
                {"display": format_amount(row["total"], row["currency"]), "count": row["count"]} for row in revenue
            ],
            "orders_url": reverse("shop_order:index"),
        }
