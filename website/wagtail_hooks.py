from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from serving.routing import ServedPage
from website.admin_views import TaskRunsReportView, user_may_see_task_runs
from website.page_cache import mark_storable


class TaskRunsMenuItem(MenuItem):
    def is_shown(self, request):
        return user_may_see_task_runs(request.user)


@hooks.register("register_admin_urls")
def register_task_runs_url():
    return [path("reports/scheduled-tasks/", TaskRunsReportView.as_view(), name="website_task_runs")]


@hooks.register("register_reports_menu_item")
def register_task_runs_menu_item():
    return TaskRunsMenuItem(
        "Scheduled tasks", reverse("website_task_runs"), name="scheduled-tasks", icon_name="time", order=1100
    )


@hooks.register("before_serve_page")
def mark_page_storable(page, request, serve_args, serve_kwargs):
    """Pages any anonymous visitor sees alike may be stored whole (website.page_cache); never one under a view
    restriction (its own or an ancestor's), nor a sub-route of a routable page."""
    if serve_args or serve_kwargs or getattr(request, "is_preview", False):
        return None
    # ServedPage evaluates them once for this request, so Wagtail's own check reads the same rows.
    restrictions = (
        page.view_restrictions_for_serving() if isinstance(page, ServedPage) else page.get_view_restrictions()
    )
    if restrictions:
        return None
    mark_storable(request, page)
    return None
