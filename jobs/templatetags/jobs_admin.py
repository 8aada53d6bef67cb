"""The "Payment" panel on a job listing's edit page in the Wagtail admin: its paid week and its charges."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from billing.models import Charge

register = template.Library()

CHARGES_SHOWN = 20


def _charge_admin_url(charge) -> str:
    """Billing's admin page for the charge (refunds are made there)."""
    try:
        return reverse("billing_charge:inspect", args=[charge.pk])
    except NoReverseMatch:
        return ""


@register.inclusion_tag("jobs/admin/payment_summary.html")
def job_payment_summary(page):
    charges = []
    if page is not None and page.pk:
        charges = list(Charge.objects.for_object(page).select_related("user").order_by("-created_at")[:CHARGES_SHOWN])
    return {
        "page": page,
        "status": page.status(timezone.now()) if page is not None and page.pk else "unpaid",
        "charges": [(charge, _charge_admin_url(charge)) for charge in charges],
    }
