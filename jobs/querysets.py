"""Reusable reads of job listings, as QuerySet methods."""

from datetime import timedelta

from django.apps import apps
from django.db.models import F, Prefetch, Q
from wagtail.models import PageQuerySet


class JobPageQuerySet(PageQuerySet):
    def on_board(self, now):
        """Live, public, open listings whose paid week runs past `now`, most recently paid first: the rows of /jobs/
        and its feed. A listing under a view restriction is never on the public board.

        Decided by `paid_until` rather than the stored `paid` flag, so a listing leaves the board the moment its
        week ends, even before housekeeping saves it. Tags come in one extra query, whatever the count.
        """
        tags = apps.get_model("jobs", "JobPageTag").objects.select_related("tag")  # by name: jobs.models imports us
        return (
            self.live()
            .public()
            .filter(paid_until__gt=now, closed_at__isnull=True)
            .prefetch_related(Prefetch("tagged_items", queryset=tags))
            .order_by(F("last_paid_at").desc(nulls_last=True), "-pk")
        )

    def owned_by(self, user):
        return self.filter(owner=user)

    def flag_out_of_step(self, now):
        """Listings whose stored `paid` flag disagrees with their paid-until time (a week that has ended, mostly)."""
        return self.filter(
            Q(paid=True, paid_until__lte=now)
            | Q(paid=True, paid_until__isnull=True)
            | Q(paid=False, paid_until__gt=now)
        )

    def due_a_reminder(self, now, days_before):
        """Live, open listings with reminders on whose paid week ends within `days_before` days of `now` and
        whose poster has not yet been reminded of this paid week (a renewal moves paid_until, so it counts anew)."""
        return (
            self.live()
            .filter(
                closed_at__isnull=True,
                reminders_enabled=True,
                paid_until__gt=now,
                paid_until__lte=now + timedelta(days=days_before),
            )
            .exclude(reminder_sent_for=F("paid_until"))
        )
