"""Writes for the job board: posting and editing listings, and keeping their paid week in step with billing."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from billing.models import Charge
from jobs.models import RESERVED_SLUGS, JobIndexPage, JobPage

PAID_FIELDS = ("paid", "paid_until", "last_paid_at")

# What a poster's form may set on a listing; the paid fields and the owner never come from a form.
EDITABLE_FIELDS = (
    "title",
    "company",
    "location",
    "remote",
    "employment_type",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "description",
    "how_to_apply",
)


class JobBoardMissing(Exception):
    """There is no job index page to post under."""


@dataclass(frozen=True)
class PaidStatus:
    paid: bool
    paid_until: datetime | None
    last_paid_at: datetime | None


def job_paid_status(*, page: JobPage, now: datetime | None = None) -> PaidStatus:
    """The listing's paid week, read from billing's ledger (one query; none for an unsaved page).

    The latest succeeded charge counts (refunded, partly refunded and disputed ones do not): `paid_until` is its
    payment time plus JOBS_PAID_PERIOD, and the listing is paid while `paid_until` is still ahead of `now`. At
    `paid_until` to the second the week is over, which is also when the board's query drops it.
    """
    now = now or timezone.now()
    if page.pk is None:
        return PaidStatus(paid=False, paid_until=None, last_paid_at=None)
    last_paid_at = (
        # By model and id rather than for_object(): a save through a plain Page instance (a bulk action) asks too.
        # succeeded(): a second payment billing is refunding by itself (paid twice at once) buys nothing.
        Charge.objects.for_model(JobPage)
        .succeeded()
        .filter(object_id=str(page.pk), status=Charge.Status.SUCCEEDED, paid_at__isnull=False)
        .order_by("-paid_at")
        .values_list("paid_at", flat=True)
        .first()
    )
    if last_paid_at is None:
        return PaidStatus(paid=False, paid_until=None, last_paid_at=None)
    paid_until = last_paid_at + settings.JOBS_PAID_PERIOD
    return PaidStatus(paid=paid_until > now, paid_until=paid_until, last_paid_at=last_paid_at)


def job_apply_paid_status(*, page: JobPage, now: datetime | None = None) -> PaidStatus:
    """Sets the paid fields on the instance (not saved); what the pre_save receiver runs before every save."""
    status = job_paid_status(page=page, now=now)
    page.paid, page.paid_until, page.last_paid_at = status.paid, status.paid_until, status.last_paid_at
    return status


def job_refresh_paid_status(*, page: JobPage) -> JobPage:
    """Recomputes and saves the listing's paid fields (jobs.receivers calls this on payment, refund, dispute).

    Only the paid fields are written, so a draft the poster or an editor is working on stays a draft.
    """
    page.save(update_fields=list(PAID_FIELDS), clean=False)
    return page


def jobs_end_expired_weeks(*, now: datetime | None = None) -> int:
    """Saves every listing whose stored paid flag has fallen out of step (mostly: its week has ended).

    The board never relies on the flag (it asks `paid_until > now`), but the admin's listing, exports and
    anyone filtering on `paid` do. For housekeeping to run hourly; safe to run at any time. Returns the count.
    """
    now = now or timezone.now()
    count = 0
    for page in JobPage.objects.flag_out_of_step(now).order_by("pk").iterator():
        job_refresh_paid_status(page=page)
        count += 1
    return count


def _unique_slug(*, parent: JobIndexPage, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:60].strip("-") or "job"
    if base in RESERVED_SLUGS:
        base = f"{base}-job"
    siblings = parent.get_children()
    if exclude_pk:
        siblings = siblings.exclude(pk=exclude_pk)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def job_board_index() -> JobIndexPage:
    index = JobIndexPage.objects.live().first() or JobIndexPage.objects.first()
    if index is None:
        raise JobBoardMissing("The job board is not set up yet.")
    return index


@transaction.atomic
def job_create(*, poster, data: dict, tags: list[str]) -> JobPage:
    """Creates and publishes a listing under the job board, owned by `poster`. It is on /jobs/ once paid."""
    index = job_board_index()
    page = JobPage(owner=poster, **{field: data[field] for field in EDITABLE_FIELDS})
    page.slug = _unique_slug(parent=index, title=page.title)
    index.add_child(instance=page)
    page.tags.set(tags)
    # The site form is the poster's authority (jobs.post_job and ownership), not Wagtail's page permissions.
    page.save_revision(user=poster, log_action=True).publish(user=poster, skip_permission_checks=True)
    page.refresh_from_db()
    return page


@transaction.atomic
def job_update(*, page: JobPage, editor, data: dict, tags: list[str]) -> JobPage:
    """Saves the poster's changes and publishes them at once (posters have no drafts on the site)."""
    page = JobPage.objects.select_for_update().get(pk=page.pk).specific
    title_changed = page.title != data["title"]
    for field in EDITABLE_FIELDS:
        setattr(page, field, data[field])
    if title_changed:
        page.slug = _unique_slug(parent=page.get_parent(), title=page.title, exclude_pk=page.pk)
    page.tags.set(tags)
    page.save_revision(user=editor, log_action=True).publish(user=editor, skip_permission_checks=True)
    page.refresh_from_db()
    return page
