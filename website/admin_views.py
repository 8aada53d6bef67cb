"""Wagtail admin → Reports → Scheduled tasks: each housekeeping schedule with its last runs, counts and errors."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.views.generic import TemplateView
from django_q.models import Schedule, Task
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from website.schedules import SCHEDULES, ScheduleSpec

# Superusers, and staff given django-q2's own "Can view task" permission (Groups → Tasks).
PERMISSION = "django_q.view_task"
RUNS_PER_SCHEDULE = 10


def user_may_see_task_runs(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


@dataclass
class TaskRun:
    task: Task

    @property
    def counts(self) -> list[tuple[str, object]]:
        result = self.task.result
        if self.task.success and isinstance(result, dict):
            return [(key.replace("_", " "), value) for key, value in result.items()]
        return []

    @property
    def error(self) -> str:
        return "" if self.task.success else str(self.task.result or "Failed without a message.")

    @property
    def duration(self) -> str:
        return f"{self.task.time_taken():.2f} s"


@dataclass
class ScheduleReport:
    spec: ScheduleSpec
    schedule: Schedule | None
    runs: list[TaskRun] = field(default_factory=list)

    @property
    def last_failed(self) -> bool:
        return bool(self.runs) and not self.runs[0].task.success


def schedule_reports(*, runs_per_schedule: int = RUNS_PER_SCHEDULE) -> list[ScheduleReport]:
    """One query for the schedules and one per schedule for its newest runs."""
    schedules = {schedule.name: schedule for schedule in Schedule.objects.filter(name__in=[s.name for s in SCHEDULES])}
    reports = []
    for spec in SCHEDULES:
        tasks = Task.objects.filter(group=spec.name).order_by("-started")[:runs_per_schedule]
        reports.append(ScheduleReport(spec=spec, schedule=schedules.get(spec.name), runs=[TaskRun(t) for t in tasks]))
    return reports


class TaskRunsReportView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Scheduled tasks"
    header_icon = "time"
    template_name = "website/admin/task_runs_report.html"

    def dispatch(self, request, *args, **kwargs):
        if not user_may_see_task_runs(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Reports"}, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reports"] = schedule_reports()
        context["runs_per_schedule"] = RUNS_PER_SCHEDULE
        context["schedules_admin_url"] = reverse("admin:django_q_schedule_changelist")
        context["failures_admin_url"] = reverse("admin:django_q_failure_changelist")
        context["successes_admin_url"] = reverse("admin:django_q_success_changelist")
        return context
