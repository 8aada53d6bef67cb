"""The admin's "Job listings": every listing with its paid status and paid-until time, and bulk actions."""

from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.viewsets.pages import PageListingViewSet

from jobs.admin_views import OpenRightsRequestsSummaryItem, PostingRightsRequestViewSet
from jobs.models import JobPage, JobStatus


class PaidStatusColumn(Column):
    """Paid or not as the board sees it now (paid_until ahead of now), not only the stored flag."""

    def get_value(self, instance):
        return JobStatus(instance.status(timezone.now())).label


class PaidUntilColumn(Column):
    """The date and time a listing is paid until ("12 Dec 2026, 18:24"), not a relative "Just now"."""

    def get_value(self, instance):
        if instance.paid_until is None:
            return "—"
        return f"{timezone.localtime(instance.paid_until):%-d %b %Y, %H:%M}"


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
        PaidUntilColumn("paid_until", label="Paid until", sort_key="paid_until", width="16%"),
    ]


@hooks.register("register_admin_viewset")
def register_job_listing_viewset():
    return JobListingViewSet()


@hooks.register("register_admin_viewset")
def register_posting_rights_viewset():
    return PostingRightsRequestViewSet()


@hooks.register("construct_homepage_summary_items")
def add_open_rights_requests_to_dashboard(request, summary_items):
    summary_items.append(OpenRightsRequestsSummaryItem(request))


@hooks.register("register_log_actions")
def register_listing_log_actions(actions):
    actions.register_action("jobs.close", "Close listing", "Closed by the poster")
    actions.register_action("jobs.reopen", "Reopen listing", "Reopened by the poster")
