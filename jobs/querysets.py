"""Reusable reads of job listings, as QuerySet methods."""

from django.apps import apps
from django.db.models import F, Prefetch, Q
from wagtail.models import PageQuerySet


class JobPageQuerySet(PageQuerySet):
    def on_board(self, now):
        """Live, public listings whose paid week runs past `now`, most recently paid first: the rows of /jobs/ and
        its feed. A listing under a view restriction is never on the public board.

        Decided by `paid_until` rather than the stored `paid` flag, so a listing leaves the board the moment its
        week ends, even before housekeeping saves it. Tags come in one extra query, whatever the count.
        """
        tags = apps.get_model("jobs", "JobPageTag").objects.select_related("tag")  # by name: jobs.models imports us
        return (
            self.live()
            .public()
            .filter(paid_until__gt=now)
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
