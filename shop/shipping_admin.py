"""Wagtail admin for shipping: the rates snippet, marking orders shipped (one, or many from the list) and delivered,
and a printable packing slip. The order viewset (shop.admin_views) links here."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.generic import FormView, View
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.models import Order, ShippingRate
from shop.shipments import ShipmentError, Tracking, order_mark_delivered, order_mark_shipped, orders_mark_shipped


class ShippingRateViewSet(SnippetViewSet):
    model = ShippingRate
    icon = "site"
    menu_label = "Shipping rates"
    # Amounts as they read ("$4.95"), as editors type them.
    list_display = [
        "name",
        "currency",
        Column("amount", label="Amount", accessor="amount_display", sort_key="amount"),
        "countries",
        "min_days",
        "max_days",
        Column("free_over_amount", label="Free over", accessor="free_over_display", sort_key="free_over_amount"),
        "active",
    ]
    list_filter = ["currency", "active"]


def can_ship(user) -> bool:
    return ModelPermissionPolicy(Order).user_has_permission(user, "ship")


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=100, help_text="Who has the parcel, e.g. Royal Mail, UPS.")
    tracking_number = forms.CharField(max_length=100, required=False)
    tracking_url = forms.CharField(
        label="Tracking URL", max_length=500, required=False, help_text="The carrier's page for this parcel (http(s))."
    )


class OrderShipView(WagtailAdminTemplateMixin, FormView):
    """One order: paid → shipped, with its carrier and tracking; the buyer is e-mailed the tracking link."""

    form_class = ShipForm
    template_name = "shop/admin/order_ship.html"
    page_title = "Mark shipped"
    header_icon = "site"

    def dispatch(self, request, pk):
        self.order = get_object_or_404(Order, pk=pk)
        if not can_ship(request.user):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            order=self.order, inspect_url=reverse("shop_order:inspect", args=[self.order.pk]), **kwargs
        )

    def form_valid(self, form):
        try:
            order = order_mark_shipped(
                order_id=self.order.pk, tracking=Tracking(**form.cleaned_data), user=self.request.user
            )
        except ShipmentError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{order} is shipped; the buyer has been e-mailed the tracking.")
        return redirect("shop_order:inspect", order.pk)


class OrderDeliveredView(View):
    def post(self, request, pk):
        if not can_ship(request.user):
            raise PermissionDenied
        try:
            order = order_mark_delivered(order_id=pk, user=request.user)
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        except ShipmentError as error:
            messages.error(request, error.message)
            return redirect("shop_order:inspect", pk)
        messages.success(request, f"{order} is delivered.")
        return redirect("shop_order:inspect", pk)


class OrdersShipView(WagtailAdminTemplateMixin, View):
    """Many orders at once: every paid order awaiting shipment, a tick and a tracking number each, one carrier."""

    template_name = "shop/admin/orders_ship.html"
    page_title = "Ship orders"
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        if not can_ship(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, *, error: str = "", status: int = 200):
        orders = Order.objects.awaiting_shipment().select_related("user").order_by("paid_at", "pk")
        context = self.get_context_data(orders=orders, error=error, posted=request.POST)
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        carrier = request.POST.get("carrier", "")
        shipments = {}
        for raw_id in request.POST.getlist("order"):
            if not raw_id.isdigit() or len(raw_id) > 18:
                return self._render(request, error="That is not an order of this shop.", status=400)
            shipments[int(raw_id)] = Tracking(
                carrier=carrier,
                tracking_number=request.POST.get(f"tracking_number_{raw_id}", ""),
                tracking_url=request.POST.get(f"tracking_url_{raw_id}", ""),
            )
        try:
            shipped = orders_mark_shipped(shipments=shipments, user=request.user)
        except Order.DoesNotExist:
            return self._render(request, error="One of those orders no longer exists; nothing was shipped.", status=400)
        except ShipmentError as error:
            return self._render(request, error=f"{error.message} Nothing was shipped.", status=400)
        messages.success(request, f"{len(shipped)} order{'s' if len(shipped) != 1 else ''} marked shipped.")
        return redirect("shop_order:index")


def packing_slip(request, pk):
    """A page to print and put in the parcel: the address, the lines, no prices."""
    if not ModelPermissionPolicy(Order).user_has_permission(request.user, "view"):
        raise PermissionDenied
    order = get_object_or_404(Order.objects.prefetch_related("lines"), pk=pk)
    return render(request, "shop/admin/packing_slip.html", {"order": order, "lines": list(order.lines.all())})


EXPORT_FIELDS = [
    "shipping_rate_name",
    "shipping_name",
    "shipping_line1",
    "shipping_line2",
    "shipping_city",
    "shipping_state",
    "shipping_postal_code",
    "shipping_country",
    "carrier",
    "tracking_number",
    "tracking_url",
    "shipped_at",
    "delivered_at",
]
EXPORT_HEADINGS = {"shipping_name": "Ship to", "shipping_rate_name": "Shipping rate"}


def order_header_buttons(user, order: Order) -> list:
    buttons = [
        HeaderButton("Packing slip", url=reverse("shop_order:packing_slip", args=[order.pk]), icon_name="doc-full")
    ]
    if order.requires_shipping and order.status == Order.Status.PAID and can_ship(user):
        buttons.append(HeaderButton("Mark shipped", url=reverse("shop_order:ship", args=[order.pk]), icon_name="site"))
    return buttons if order.requires_shipping else []


def order_urlpatterns() -> list:
    return [
        path("ship/", OrdersShipView.as_view(), name="ship_many"),
        path("ship/<int:pk>/", OrderShipView.as_view(), name="ship"),
        path("delivered/<int:pk>/", OrderDeliveredView.as_view(), name="delivered"),
        path("packing-slip/<int:pk>/", packing_slip, name="packing_slip"),
    ]
