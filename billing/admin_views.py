"""Wagtail admin for the ledger: charges, customers and webhook events, read-only, plus two actions.

Nobody edits the ledger by hand; it changes only through Stripe. Staff with `billing.refund_charge`
may refund a charge (wholly or in part) and staff with `billing.replay_webhookevent` may run a stored
event again.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.generic import FormView
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import InspectView, WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from billing import payables, webhooks
from billing.models import Charge, Customer, WebhookEvent
from billing.money import MoneyError, format_amount, parse_amount, to_decimal
from billing.services.refunds import charge_refund
from billing.stripe_client import PaymentError


class LedgerPermissionPolicy(ModelPermissionPolicy):
    """Viewing follows the usual permissions; nobody adds, edits or deletes ledger rows by hand."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class LedgerViewSet(ModelViewSet):
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    # The ledger is read-only; `view` (plus the action permissions) is all there is to grant.
    registered_actions = ("view",)

    def get_permissions_to_register(self):
        codenames = [f"{action}_{self.model_name}" for action in self.registered_actions]
        return super().get_permissions_to_register().filter(codename__in=codenames)

    def register_admin_url_finder(self):
        pass  # there is no edit view to point at

    def get_urlpatterns(self):
        # Only the listing and the detail page: there is no form to add, edit or delete ledger rows.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


# --- Charges --------------------------------------------------------------------------------------


class ChargeInspectView(InspectView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        policy = self.permission_policy
        if self.object.refundable_amount and policy.user_has_permission(self.request.user, "refund"):
            url = reverse("billing_charge:refund", args=[self.object.pk])
            buttons.append(HeaderButton("Refund", url=url, icon_name="undo"))
        return buttons

    def get_amount_display_value(self):
        return self.object.display_amount

    def get_payable_display_value(self):
        payable = payables.payable_for_charge(self.object)
        if payable is None:
            return f"{self.object.content_type} #{self.object.object_id} (no longer exists)"
        url = AdminURLFinder(self.request.user).get_edit_url(payable)
        return format_html('<a href="{}">{}</a>', url, payable) if url else str(payable)

    def get_amount_refunded_display_value(self):
        return self.object.display_amount_refunded


class RefundForm(forms.Form):
    amount = forms.CharField(
        label="Amount to refund",
        help_text="Leave as it is to refund everything that is left, or enter a smaller amount.",
    )

    def __init__(self, *args, charge: Charge, **kwargs):
        super().__init__(*args, **kwargs)
        self.charge = charge
        self.fields["amount"].initial = str(to_decimal(charge.refundable_amount, charge.currency))
        self.fields["amount"].label = f"Amount to refund ({charge.currency.upper()})"

    def clean_amount(self):
        try:
            amount = parse_amount(self.cleaned_data["amount"], self.charge.currency)
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from None
        if amount <= 0:
            raise forms.ValidationError("Enter an amount more than zero.")
        if amount > self.charge.refundable_amount:
            left = format_amount(self.charge.refundable_amount, self.charge.currency)
            raise forms.ValidationError(f"At most {left} is left to refund on this charge.")
        return amount


class ChargeRefundView(WagtailAdminTemplateMixin, FormView):
    form_class = RefundForm
    template_name = "billing/admin/refund.html"
    page_title = "Refund"
    header_icon = "undo"

    def dispatch(self, request, pk):
        self.charge = get_object_or_404(Charge, pk=pk)
        if not LedgerPermissionPolicy(Charge).user_has_permission(request.user, "refund"):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.charge)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "charge": self.charge}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            charge=self.charge, inspect_url=reverse("billing_charge:inspect", args=[self.charge.pk]), **kwargs
        )

    def form_valid(self, form):
        amount = form.cleaned_data["amount"]
        try:
            charge_refund(charge=self.charge, amount=amount)
        except PaymentError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        self.charge.refresh_from_db()
        messages.success(
            self.request,
            f"Refunded {format_amount(amount, self.charge.currency)}. "
            f"The charge is now {self.charge.get_status_display().lower()}.",
        )
        return redirect("billing_charge:inspect", self.charge.pk)


class ChargeViewSet(LedgerViewSet):
    model = Charge
    icon = "form"
    menu_label = "Charges"
    add_to_admin_menu = False
    list_display = [
        "description",
        "user",
        Column("display_amount", label="Amount"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("method", label="Paid with", accessor="get_method_display"),
        Column("dispute_status", label="Dispute"),
        DateColumn("created_at", label="Created"),
        DateColumn("paid_at", label="Paid"),
    ]
    list_filter = ["status", "dispute_status", "method", "currency", "created_at", "paid_at"]
    search_fields = [
        "description",
        "user__username",
        "user__email",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_charge_id",
    ]
    inspect_view_class = ChargeInspectView
    inspect_view_fields = [
        "reference",
        "description",
        "user",
        "payable",
        "amount",
        "currency",
        "amount_refunded",
        "status",
        "dispute_status",
        "auto_refund_reason",
        "method",
        "failure_message",
        "card_brand",
        "card_last4",
        "receipt_url",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "created_at",
        "paid_at",
        "refunded_at",
        "disputed_at",
        "canceled_at",
    ]
    registered_actions = ("view", "refund")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("refund/<int:pk>/", ChargeRefundView.as_view(), name="refund"),
        ]


# --- Customers ------------------------------------------------------------------------------------


class CustomerViewSet(LedgerViewSet):
    model = Customer
    icon = "user"
    menu_label = "Customers"
    list_display = ["user", "stripe_customer_id", DateColumn("created_at", label="Created")]
    list_filter = ["created_at"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "stripe_customer_id"]


# --- Webhook events -------------------------------------------------------------------------------


class WebhookEventInspectView(InspectView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "replay"):
            url = reverse("billing_webhookevent:replay", args=[self.object.pk])
            buttons.append(HeaderButton("Replay", url=url, icon_name="repeat"))
        return buttons


class WebhookReplayForm(forms.Form):
    """Nothing to fill in: the POST itself is the confirmation."""


class WebhookEventReplayView(WagtailAdminTemplateMixin, FormView):
    form_class = WebhookReplayForm
    template_name = "billing/admin/replay.html"
    page_title = "Replay webhook event"
    header_icon = "repeat"

    def dispatch(self, request, pk):
        self.event = get_object_or_404(WebhookEvent, pk=pk)
        if not LedgerPermissionPolicy(WebhookEvent).user_has_permission(request.user, "replay"):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.event)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            event=self.event, inspect_url=reverse("billing_webhookevent:inspect", args=[self.event.pk]), **kwargs
        )

    def form_valid(self, form):
        try:
            webhooks.webhook_event_replay(inbox=self.event)
        except Exception as error:  # the inbox row keeps the traceback; staff see the gist
            messages.error(self.request, f"The event failed again: {type(error).__name__}: {error}")
        else:
            messages.success(self.request, f"Replayed {self.event}.")
        return redirect("billing_webhookevent:inspect", self.event.pk)


class WebhookEventViewSet(LedgerViewSet):
    model = WebhookEvent
    icon = "code"
    menu_label = "Webhook events"
    list_display = [
        "type",
        "stripe_event_id",
        Column("state", label="State"),
        "attempts",
        DateColumn("received_at", label="Received"),
        DateColumn("processed_at", label="Processed"),
    ]
    list_filter = ["type", "livemode", "received_at", "processed_at", "rejected_at"]
    search_fields = ["stripe_event_id", "type", "error", "rejection"]
    inspect_view_class = WebhookEventInspectView
    inspect_view_fields = [
        "stripe_event_id",
        "type",
        "livemode",
        "received_at",
        "started_at",
        "processed_at",
        "attempts",
        "error",
        "rejected_at",
        "rejection",
        "payload",
    ]
    registered_actions = ("view", "replay")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("replay/<int:pk>/", WebhookEventReplayView.as_view(), name="replay"),
        ]


class BillingViewSetGroup(ModelViewSetGroup):
    menu_label = "Billing"
    menu_icon = "form"
    menu_order = 400
    items = (
        ChargeViewSet("billing_charge"),
        CustomerViewSet("billing_customer"),
        WebhookEventViewSet("billing_webhookevent"),
    )
