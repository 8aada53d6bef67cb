"""Wagtail admin for posting-rights requests: a listing of them, and a page to approve or decline one.

Editors (Wagtail's Editors and Moderators groups get `jobs.change_postingrightsrequest` in jobs' migration 0002)
decide; nobody edits a request's own words. The dashboard counts the requests waiting.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import FormView
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from jobs import rights
from jobs.models import PostingRightsRequest

DECIDE_PERMISSION = "jobs.change_postingrightsrequest"


class DecisionForm(forms.Form):
    message = forms.CharField(
        label="Message to the user (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent with the decision; for a decline, the reason.",
    )


class DecideRequestView(WagtailAdminTemplateMixin, FormView):
    form_class = DecisionForm
    template_name = "jobs/admin/decide_request.html"
    page_title = "Posting-rights request"
    header_icon = "user"

    def dispatch(self, request, pk):
        self.rights_request = get_object_or_404(PostingRightsRequest.objects.select_related("user"), pk=pk)
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.rights_request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rights_request=self.rights_request, index_url=reverse("jobs_posting_rights:index"), **kwargs
        )

    def form_valid(self, form):
        decide = (
            rights.posting_rights_request_approve
            if self.request.POST.get("decision") == "approve"
            else rights.posting_rights_request_decline
            if self.request.POST.get("decision") == "decline"
            else None
        )
        if decide is None:
            form.add_error(None, "Choose Approve or Decline.")
            return self.form_invalid(form)
        try:
            decided = decide(
                request=self.rights_request, editor=self.request.user, message=form.cleaned_data["message"]
            )
        except rights.RequestNotAllowed as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{decided.user.get_username()}'s request is {decided.get_status_display().lower()}; "
            "they have been told by e-mail.",
        )
        return redirect("jobs_posting_rights:index")


class PostingRightsRequestViewSet(ModelViewSet):
    model = PostingRightsRequest
    icon = "user"
    menu_label = "Posting-rights requests"
    menu_order = 215
    add_to_admin_menu = True
    name = "jobs_posting_rights"
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        TitleColumn("user", label="User", url_name="jobs_posting_rights:edit"),
        Column("company", label="Company"),
        Column("website", label="Website"),
        Column("about", label="About the role"),
        Column("status", label="Status", accessor="get_status_display"),
        DateColumn("created_at", label="Asked"),
    ]
    list_filter = ["status"]
    form_fields = ["message"]

    def get_permissions_to_register(self):
        codenames = ["view_postingrightsrequest", "change_postingrightsrequest"]
        return super().get_permissions_to_register().filter(codename__in=codenames)

    def get_urlpatterns(self):
        # The listing, and the decision page in place of an edit form: a request's words are the user's.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("edit/<int:pk>/", DecideRequestView.as_view(), name="edit"),
        ]


class OpenRightsRequestsSummaryItem(SummaryItem):
    """ "N posting-rights requests" on the admin dashboard, for those who decide them."""

    order = 450
    template_name = "jobs/admin/rights_requests_summary.html"

    def get_context_data(self, parent_context):
        count = PostingRightsRequest.objects.filter(status=PostingRightsRequest.Status.OPEN).count()
        return {"count": count, "url": reverse("jobs_posting_rights:index") + "?status=open"}

    def is_shown(self):
        return self.request.user.has_perm(DECIDE_PERMISSION)
