"""The housekeeping schedules (django-q2), defined here and written to the database by `manage.py setup_schedules`.

django-q2's Schedule.name is not unique, so creating them "by name" is serialised: one transaction, holding
`pg_advisory_xact_lock` on PostgreSQL (SQLite's IMMEDIATE transactions already let one writer in at a time). Run
it again, or from several machines at once, and the rows stay one per name; a changed timing is written over the
old one, duplicates left by anything else are removed, and schedules for our task functions that are no longer
listed here are retired. django-q2 runs each schedule's tasks in a group named after it, which the Wagtail admin
report (Reports → Scheduled tasks) reads.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule

# The modules whose functions only these schedules should call; a schedule for one of them not listed below is retired.
TASK_MODULES = ("website.tasks.", "shop.tasks.", "jobs.tasks.", "billing.tasks.")
# One advisory lock key for every process that writes the schedules (any stable 63-bit number).
ADVISORY_LOCK_KEY = zlib.crc32(b"website.schedules")


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    label: str
    func: str
    schedule_type: str
    minutes: int | None = None
    # Daily schedules only: the time of day (UTC) they run at.
    at: time | None = None
    description: str = ""

    @property
    def timing(self) -> str:
        if self.schedule_type == Schedule.MINUTES:
            return "every minute" if self.minutes == 1 else f"every {self.minutes} minutes"
        if self.schedule_type == Schedule.HOURLY:
            return "hourly"
        if self.schedule_type == Schedule.DAILY:
            return f"daily at {self.at:%H:%M} UTC"
        return dict(Schedule.TYPE).get(self.schedule_type, self.schedule_type)

    def first_run(self, now: datetime) -> datetime:
        """When a new (or retimed) schedule first runs: the next daily slot, or straight away."""
        if self.schedule_type == Schedule.DAILY and self.at is not None:
            slot = datetime.combine(now.astimezone(UTC).date(), self.at, tzinfo=UTC)
            return slot if slot > now else slot + timedelta(days=1)
        return now

    def fields(self) -> dict:
        return {
            "func": self.func,
            "schedule_type": self.schedule_type,
            "minutes": self.minutes,
            "repeats": -1,
            "args": None,
            "kwargs": None,
            "hook": None,
            "cron": None,
            "cluster": None,
        }

    def timing_differs(self, schedule: Schedule) -> bool:
        if schedule.schedule_type != self.schedule_type or schedule.minutes != self.minutes:
            return True
        if self.schedule_type == Schedule.DAILY and self.at is not None and schedule.next_run is not None:
            next_run = schedule.next_run.astimezone(UTC)
            return (next_run.hour, next_run.minute, next_run.second) != (self.at.hour, self.at.minute, self.at.second)
        return schedule.next_run is None


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(
        name="purge-stale-carts",
        label="Purge stale carts",
        func="shop.tasks.purge_stale_carts",
        schedule_type=Schedule.DAILY,
        at=time(3, 0),
        description="Deletes carts idle for a week (SHOP_CART_STALE_AFTER), keeping those with a checkout under way.",
    ),
    ScheduleSpec(
        name="release-expired-holds",
        label="Release expired stock holds",
        func="shop.tasks.release_expired_holds",
        schedule_type=Schedule.MINUTES,
        minutes=5,
        description="Expires pending orders whose stock holds ran out; retries refunds Stripe refused.",
    ),
    ScheduleSpec(
        name="end-paid-weeks",
        label="End paid job weeks",
        func="jobs.tasks.end_paid_weeks",
        schedule_type=Schedule.HOURLY,
        description="Brings each job listing's stored paid flag in step with its paid week.",
    ),
    ScheduleSpec(
        name="remind-job-renewals",
        label="Remind posters before a paid week ends",
        func="jobs.tasks.send_renewal_reminders",
        schedule_type=Schedule.HOURLY,
        description="E-mails each poster once per paid week, some days before it ends, with a link to renew.",
    ),
    ScheduleSpec(
        name="reconcile-payments",
        label="Reconcile payments with Stripe",
        func="billing.tasks.reconcile_payments",
        schedule_type=Schedule.HOURLY,
        description="Fulfils Checkout Sessions paid at Stripe whose webhook never came; settles abandoned charges.",
    ),
    ScheduleSpec(
        name="publish-scheduled-pages",
        label="Publish and expire scheduled pages",
        func="website.tasks.publish_scheduled",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        description="Wagtail's publish_scheduled: goes live at each page's go-live time, unpublishes at its expiry.",
    ),
)


def _lock(using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def schedules_sync(
    *, specs: tuple[ScheduleSpec, ...] | None = None, now: datetime | None = None, using: str = "default"
) -> dict[str, str]:
    """Make the Schedule rows match `specs` (default SCHEDULES), one row per name. Returns name -> what happened:
    "created", "updated" (fields or timing changed), "unchanged", or "removed" (ours, no longer listed).
    """
    specs = SCHEDULES if specs is None else specs
    now = now or timezone.now()
    outcome: dict[str, str] = {}
    with transaction.atomic(using=using):
        _lock(using)
        schedules = Schedule.objects.using(using)
        for spec in specs:
            rows = list(schedules.filter(name=spec.name).order_by("pk"))
            if len(rows) > 1:
                schedules.filter(pk__in=[row.pk for row in rows[1:]]).delete()
            if not rows:
                schedules.create(name=spec.name, next_run=spec.first_run(now), **spec.fields())
                outcome[spec.name] = "created"
                continue
            schedule = rows[0]
            changed = [field for field, value in spec.fields().items() if getattr(schedule, field) != value]
            retimed = spec.timing_differs(schedule)
            for field in changed:
                setattr(schedule, field, spec.fields()[field])
            if retimed:
                schedule.next_run = spec.first_run(now)
            if changed or retimed or len(rows) > 1:
                schedule.save(using=using)
                outcome[spec.name] = "updated"
            else:
                outcome[spec.name] = "unchanged"
        listed = {spec.name for spec in specs}
        ours = Q()
        for module in TASK_MODULES:
            ours |= Q(func__startswith=module)
        for schedule in schedules.filter(ours).exclude(name__in=listed):
            outcome[schedule.name or str(schedule.pk)] = "removed"
            schedule.delete()
    return outcome
