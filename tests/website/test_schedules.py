"""The housekeeping schedules: created by name, idempotently, from one process or several; and their report."""

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from website import schedules
from website.factories import UserFactory
from website.schedules import SCHEDULES, schedules_sync

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 14, 20, 0, tzinfo=UTC)


def rows():
    return sorted(
        Schedule.objects.values_list("pk", "name", "func", "schedule_type", "minutes", "next_run"), key=lambda r: r[1]
    )


def test_setup_creates_the_schedules_with_their_timing():
    outcome = schedules_sync(now=NOW)

    assert outcome == {spec.name: "created" for spec in SCHEDULES}
    by_name = {schedule.name: schedule for schedule in Schedule.objects.all()}
    assert set(by_name) == {
        "purge-stale-carts",
        "release-expired-holds",
        "end-paid-weeks",
        "remind-job-renewals",
        "reconcile-payments",
        "publish-scheduled-pages",
    }
    reminders = by_name["remind-job-renewals"]
    assert (reminders.func, reminders.schedule_type) == ("jobs.tasks.send_renewal_reminders", Schedule.HOURLY)
    purge = by_name["purge-stale-carts"]
    assert (purge.func, purge.schedule_type) == ("shop.tasks.purge_stale_carts", Schedule.DAILY)
    assert purge.next_run == datetime(2026, 5, 5, 3, 0, tzinfo=UTC)
    holds = by_name["release-expired-holds"]
    assert (holds.func, holds.schedule_type, holds.minutes) == ("shop.tasks.release_expired_holds", Schedule.MINUTES, 5)
    assert holds.next_run == NOW
    assert (by_name["end-paid-weeks"].func, by_name["end-paid-weeks"].schedule_type) == (
        "jobs.tasks.end_paid_weeks",
        Schedule.HOURLY,
    )
    assert (by_name["reconcile-payments"].func, by_name["reconcile-payments"].schedule_type) == (
        "billing.tasks.reconcile_payments",
        Schedule.HOURLY,
    )
    publish = by_name["publish-scheduled-pages"]
    assert (publish.func, publish.schedule_type, publish.minutes) == (
        "website.tasks.publish_scheduled",
        Schedule.MINUTES,
        1,
    )
    assert publish.next_run == NOW
    assert all(schedule.repeats == -1 for schedule in by_name.values())


def test_running_setup_again_changes_nothing():
    schedules_sync(now=NOW)
    before = rows()

    outcome = schedules_sync(now=NOW + timedelta(hours=5))

    assert outcome == {spec.name: "unchanged" for spec in SCHEDULES}
    assert rows() == before


def test_setup_updates_a_schedule_whose_timing_changed_in_place(monkeypatch):
    schedules_sync(now=NOW)
    before = {name: pk for pk, name, *_ in rows()}
    retimed = tuple(
        replace(spec, minutes=10)
        if spec.name == "release-expired-holds"
        else replace(spec, at=time(4, 30))
        if spec.name == "purge-stale-carts"
        else spec
        for spec in SCHEDULES
    )
    monkeypatch.setattr(schedules, "SCHEDULES", retimed)

    outcome = schedules_sync(now=NOW)

    assert outcome["release-expired-holds"] == "updated"
    assert outcome["purge-stale-carts"] == "updated"
    assert outcome["end-paid-weeks"] == "unchanged"
    assert {name: pk for pk, name, *_ in rows()} == before
    assert Schedule.objects.get(name="release-expired-holds").minutes == 10
    assert Schedule.objects.get(name="purge-stale-carts").next_run == datetime(2026, 5, 5, 4, 30, tzinfo=UTC)


def test_a_daily_schedule_that_has_run_keeps_its_time_of_day():
    schedules_sync(now=NOW)
    purge = Schedule.objects.get(name="purge-stale-carts")
    purge.next_run = purge.calculate_next_run()  # what the cluster does after a run
    purge.save()

    assert schedules_sync(now=NOW + timedelta(days=1))["purge-stale-carts"] == "unchanged"
    assert Schedule.objects.get(name="purge-stale-carts").next_run == datetime(2026, 5, 6, 3, 0, tzinfo=UTC)


def test_setup_removes_duplicates_by_name_and_repairs_edited_fields():
    schedules_sync(now=NOW)
    keep = Schedule.objects.get(name="end-paid-weeks")
    Schedule.objects.create(name="end-paid-weeks", func="jobs.tasks.end_paid_weeks", schedule_type=Schedule.HOURLY)
    Schedule.objects.create(name="end-paid-weeks", func="jobs.tasks.end_paid_weeks", schedule_type=Schedule.DAILY)
    Schedule.objects.filter(name="reconcile-payments").update(func="billing.tasks.something_else", repeats=3)

    outcome = schedules_sync(now=NOW)

    assert outcome["end-paid-weeks"] == "updated"
    assert list(Schedule.objects.filter(name="end-paid-weeks").values_list("pk", flat=True)) == [keep.pk]
    reconcile = Schedule.objects.get(name="reconcile-payments")
    assert (reconcile.func, reconcile.repeats) == ("billing.tasks.reconcile_payments", -1)
    assert Schedule.objects.count() == len(SCHEDULES)


def test_setup_retires_a_schedule_of_ours_that_is_no_longer_listed_and_leaves_others_alone():
    Schedule.objects.create(name="purge-carts-old-name", func="shop.tasks.purge_stale_carts", schedule_type="D")
    Schedule.objects.create(name="someone-elses", func="analytics.tasks.rollup", schedule_type="H")

    outcome = schedules_sync(now=NOW)

    assert outcome["purge-carts-old-name"] == "removed"
    assert set(Schedule.objects.values_list("name", flat=True)) == {spec.name for spec in SCHEDULES} | {"someone-elses"}


def test_setup_schedules_command_says_what_it_did():
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "  created purge-stale-carts (daily at 03:00 UTC)"
    assert "  created release-expired-holds (every 5 minutes)" in lines
    assert lines[len(SCHEDULES) :] == [
        "unchanged purge-stale-carts (daily at 03:00 UTC)",
        "unchanged release-expired-holds (every 5 minutes)",
        "unchanged end-paid-weeks (hourly)",
        "unchanged remind-job-renewals (hourly)",
        "unchanged reconcile-payments (hourly)",
        "unchanged publish-scheduled-pages (every minute)",
    ]
    assert Schedule.objects.count() == len(SCHEDULES)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_setup_from_several_machines_at_once_makes_one_schedule_per_name():
    barrier = threading.Barrier(6)
    errors = []

    def setup():
        try:
            barrier.wait()
            schedules_sync()
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=setup) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(spec.name for spec in SCHEDULES)


# --- The report in the Wagtail admin --------------------------------------------------------------

REPORT_URL = "/admin/reports/scheduled-tasks/"


def run_schedules_once():
    """What the cluster does when the schedules fall due: one task per schedule, grouped under its name."""
    for spec in SCHEDULES:
        async_task(spec.func, group=spec.name)


def test_the_report_shows_each_schedule_with_its_last_runs_counts_and_errors(stripe_sandbox, client, admin_user):
    schedules_sync()
    run_schedules_once()
    # In the cluster a failing task is saved with its traceback (sync mode, as in tests, raises instead).
    started = timezone.now() + timedelta(seconds=5)
    Task.objects.create(
        id=uuid.uuid4().hex,
        name="failed-run",
        func="shop.tasks.release_expired_holds",
        group="release-expired-holds",
        started=started,
        stopped=started + timedelta(seconds=1),
        success=False,
        result="the warehouse database is unreachable : Traceback (most recent call last): ... RuntimeError",
    )
    client.force_login(admin_user)

    response = client.get(REPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for spec in SCHEDULES:
        assert spec.label in html
        assert spec.timing in html
    assert "carts: 0, lines: 0, batches: 0" in html
    assert "listings updated: 0" in html
    assert "orders expired: 0, refunds retried: 0" in html
    assert "sessions: 0, fulfilled: 0" in html
    assert "RuntimeError" in html and "the warehouse database is unreachable" in html
    reports = {report.spec.name: report for report in response.context["reports"]}
    assert reports["release-expired-holds"].last_failed is True
    assert [run.task.success for run in reports["release-expired-holds"].runs] == [False, True]
    assert Task.objects.filter(group="reconcile-payments").count() == 1


def test_the_report_says_when_schedules_are_missing(client, admin_user):
    client.force_login(admin_user)

    response = client.get(REPORT_URL)

    assert response.status_code == 200
    assert "Not scheduled: run" in response.content.decode()
    assert "No runs recorded yet." in response.content.decode()


def test_the_report_is_in_the_reports_menu_for_those_allowed(client, admin_user, editor):
    client.force_login(admin_user)
    assert REPORT_URL in client.get("/admin/").content.decode()
    client.force_login(editor)
    assert REPORT_URL not in client.get("/admin/").content.decode()


def test_the_report_refuses_editors_without_the_permission(stripe_sandbox, client, editor):
    schedules_sync()
    run_schedules_once()
    client.force_login(editor)

    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "Sorry, you do not have permission" in client.get("/admin/").content.decode()


def test_the_report_refuses_anonymous_visitors(client):
    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_with_the_view_task_permission_may_see_the_report(client):
    operator = UserFactory(username="ops", is_staff=True)
    operator.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="django_q", codename="view_task"),
    )
    client.force_login(operator)

    assert client.get(REPORT_URL).status_code == 200


def test_schedules_and_task_results_are_in_the_django_admin(stripe_sandbox, client, admin_user):
    schedules_sync()
    run_schedules_once()
    client.force_login(admin_user)

    schedules_page = client.get("/django-admin/django_q/schedule/").content.decode()
    successes_page = client.get("/django-admin/django_q/success/").content.decode()

    for spec in SCHEDULES:
        assert spec.name in schedules_page
        assert spec.func in successes_page


def test_next_runs_in_the_report_follow_the_schedule(client, admin_user):
    schedules_sync(now=timezone.now())
    client.force_login(admin_user)
    response = client.get(REPORT_URL)
    reports = {report.spec.name: report for report in response.context["reports"]}
    assert reports["purge-stale-carts"].schedule.next_run.time() == time(3, 0)
