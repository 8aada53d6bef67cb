"""Reads for the job board's pages: the board itself and a poster's own listings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.utils import timezone

from jobs.forms import JobBoardFilterForm
from jobs.models import JobPage


@dataclass
class JobBoardListing:
    page: PaginatorPage
    form: JobBoardFilterForm
    filters: dict
    now: datetime

    @property
    def jobs(self):
        return self.page.object_list

    @property
    def is_filtered(self) -> bool:
        return any(self.filters.values())

    def query_string(self, page_number: int) -> str:
        params = {key: value for key, value in self.filters.items() if value}
        params["page"] = page_number
        return urlencode(params)

    @property
    def previous_query(self) -> str:
        return self.query_string(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_query(self) -> str:
        return self.query_string(self.page.next_page_number()) if self.page.has_next() else ""


def job_board_queryset(*, filters: Mapping[str, str], now: datetime):
    """The board's rows for these filters, built on `JobPage.objects.on_board(now)` (the one listing query)."""
    jobs = JobPage.objects.on_board(now)
    if filters.get("remote") == "yes":
        jobs = jobs.filter(remote=True)
    elif filters.get("remote") == "no":
        jobs = jobs.filter(remote=False)
    if filters.get("location"):
        jobs = jobs.filter(location__icontains=filters["location"])
    if filters.get("employment_type"):
        jobs = jobs.filter(employment_type=filters["employment_type"])
    if filters.get("tag"):
        jobs = jobs.filter(tagged_items__tag__slug=filters["tag"]).distinct()
    if filters.get("q"):
        # Wagtail search narrows the set; the board's own ordering and prefetches then apply as usual.
        matching_ids = [
            page.pk
            for page in JobPage.objects.live()
            .public()
            .filter(paid_until__gt=now)
            .search(filters["q"], order_by_relevance=False)
        ]
        jobs = jobs.filter(pk__in=matching_ids)
    return jobs


def job_board_listing(*, params: Mapping[str, str], now: datetime | None = None) -> JobBoardListing:
    """One page (JOBS_PAGE_SIZE listings) of /jobs/ for ?q=, ?remote=, ?location=, ?employment_type=, ?tag=, ?page=.

    Bad filter values are ignored and bad page numbers fall back to the first or last page. The number of
    queries does not depend on how many listings there are.
    """
    now = now or timezone.now()
    form = JobBoardFilterForm(data=params)
    filters = form.values()
    paginator = Paginator(job_board_queryset(filters=filters, now=now), settings.JOBS_PAGE_SIZE)
    return JobBoardListing(page=paginator.get_page(params.get("page")), form=form, filters=filters, now=now)


def jobs_posted_by(*, user):
    """The poster's listings, newest first, for /jobs/mine/."""
    return JobPage.objects.owned_by(user).order_by("-first_published_at", "-pk")
