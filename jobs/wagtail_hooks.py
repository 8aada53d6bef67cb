"""The admin's "Job listings": every listing with its paid status and paid-until time, and bulk actions."""

from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.viewsets.pages import PageListingViewSet

from jobs.models import JobPage

STATUS_LABELS = {
    "live": "Paid",
    "expired": "Expired",
    "unpaid": "Unpaid",
    "unpublished": "Paid (unpublished)",
}


class PaidStatusColumn(Column):
    """Paid or not as the board sees it now (paid_until ahead of now), not only the stored flag."""

    def get_value(self, instance):
        return STATUS_LABELS[instance.status(timezone.now())]


class JobListingViewSet(PageListingViewSet):
    model = JobPage
    icon = "list-ul"
    menu_label = "Job listings"
    menu_order = 210
    add_to_admin_menu = True
    name = "job_listings"
    columns = [
        *IndexView.base_columns,
        Column("company", label="Company", sort_key="company"),
        Column("owner", label="Poster", accessor="owner"),
        PaidStatusColumn("paid", label="Paid", sort_key="paid", width="10%"),
        DateColumn("paid_until", label="Paid until", sort_key="paid_until", width="14%"),
    ]


@hooks.register("register_admin_viewset")
def register_job_listing_viewset():
    return JobListingViewSet()
