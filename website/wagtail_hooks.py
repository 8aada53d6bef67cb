from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from website.admin_views import TaskRunsReportView, user_may_see_task_runs


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
