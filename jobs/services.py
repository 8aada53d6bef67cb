"""Writes for the job board: posting and editing listings, and keeping their paid week in step with billing."""

import html
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from wagtail.log_actions import log

from billing.models import Charge
from jobs.models import RESERVED_SLUGS, JobBoardSettings, JobIndexPage, JobPage

logger = logging.getLogger(__name__)

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


def paid_weeks_end(*, paid_times, period) -> datetime | None:
    """When the weeks bought at `paid_times` end, each starting when the one before it ends or at its payment,
    whichever is later: unused days are never thrown away, and a payment after a gap starts afresh."""
    end = None
    for paid_at in sorted(paid_times):
        start = paid_at if end is None or paid_at > end else end
        end = start + period
    return end


def job_paid_status(*, page: JobPage, now: datetime | None = None) -> PaidStatus:
    """The listing's paid weeks, read from billing's ledger (one query; none for an unsaved page).

    Each succeeded charge buys one JOBS_PAID_PERIOD (refunded, partly refunded and disputed ones buy nothing, so
    refunding one of two stacked charges takes exactly its week away). `paid_until` is the end of the last
    week (see paid_weeks_end), `last_paid_at` the latest payment (the board's order: a payment is a bump), and
    the listing is paid while `paid_until` is still ahead of `now`. At `paid_until` to the second it is over.
    """
    now = now or timezone.now()
    if page.pk is None:
        return PaidStatus(paid=False, paid_until=None, last_paid_at=None)
    paid_times = list(
        # By model and id rather than for_object(): a save through a plain Page instance (a bulk action) asks too.
        # succeeded(): a second payment billing is refunding by itself (paid twice at once) buys nothing.
        Charge.objects.for_model(JobPage)
        .succeeded()
        .filter(object_id=str(page.pk), status=Charge.Status.SUCCEEDED, paid_at__isnull=False)
        .values_list("paid_at", flat=True)
    )
    if not paid_times:
        return PaidStatus(paid=False, paid_until=None, last_paid_at=None)
    paid_until = paid_weeks_end(paid_times=paid_times, period=settings.JOBS_PAID_PERIOD)
    return PaidStatus(paid=paid_until > now, paid_until=paid_until, last_paid_at=max(paid_times))


def job_paid_until_after_payment(*, page: JobPage, now: datetime | None = None) -> datetime:
    """What one more payment made `now` would buy: the listing's new paid-until time (shown before money moves)."""
    now = now or timezone.now()
    paid_until = job_paid_status(page=page, now=now).paid_until
    start = paid_until if paid_until is not None and paid_until > now else now
    return start + settings.JOBS_PAID_PERIOD


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


class ListingNotEditable(Exception):
    """The site form may not change, pay for or republish this listing now; the message says why, for the poster."""


def job_site_form_refusal(*, page: JobPage) -> str:
    """Why the poster's site form may not touch this listing now ("" when it may): Wagtail's state wins over the
    form. An editor's unpublishing, lock or running review is never undone from the site."""
    if page.locked:
        return f"“{page.title}” is locked by an editor, so it cannot be changed here. Ask the site's editors why."
    if page.workflow_in_progress:
        return f"“{page.title}” is waiting for an editor's review; you can change it again once it has been reviewed."
    if not page.live and page.first_published_at is not None:
        return f"“{page.title}” was unpublished by an editor: it cannot be paid for or changed here. Ask them why."
    return ""


def job_payment_refusal(*, page: JobPage) -> str:
    """Why the listing cannot be paid for now ("" when it can)."""
    refusal = job_site_form_refusal(page=page)
    if refusal:
        return refusal
    if page.closed_at is not None:
        return f"“{page.title}” is closed. Reopen it first."
    if not page.live:
        state = page.current_workflow_state
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            return f"An editor asked for changes to “{page.title}”; make them, and pay once it is approved."
        return f"“{page.title}” can be paid for once an editor has approved it."
    return ""


def _review_is_on(page: JobPage) -> bool:
    return JobBoardSettings.current(page.get_site()).review_new_listings


def _send_to_review(*, page: JobPage, user) -> None:
    """The page's moderation workflow (Wagtail's, configured in the admin) takes the revision from here.

    A workflow that asked for changes resumes; otherwise the page's workflow starts. With no workflow set for the
    board the revision waits as a draft, which editors see in the admin.
    """
    state = page.current_workflow_state
    if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
        state.resume(user=user)
        return
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, user)
    else:
        logger.warning("Listing %s waits for review, but no workflow is set for the job board", page.pk)


@transaction.atomic
def job_create(*, poster, data: dict, tags: list[str]) -> JobPage:
    """Creates a listing under the job board, owned by `poster`, and publishes it as the poster through Wagtail's
    permission checks; with "Review new listings" on it goes to the moderation workflow instead, unpublished
    until an editor approves it. It is on /jobs/ once paid."""
    index = job_board_index()
    review = JobBoardSettings.current(index.get_site()).review_new_listings
    page = JobPage(owner=poster, live=not review, **{field: data[field] for field in EDITABLE_FIELDS})
    page.slug = _unique_slug(parent=index, title=page.title)
    index.add_child(instance=page)
    page.tags.set(tags)
    revision = page.save_revision(user=poster, log_action=True)
    if review:
        _send_to_review(page=page, user=poster)
    else:
        revision.publish(user=poster)
    page.refresh_from_db()
    return page


def keep_rich_text_if_unchanged(*, current_html: str, submitted_html: str) -> str:
    """The poster's form edits plain text; when its text is what the listing already says, the listing keeps its
    rich text (an editor's headings, lists and links) rather than the form's flattened copy."""
    if html.unescape(strip_tags(current_html)).split() == html.unescape(strip_tags(submitted_html)).split():
        return current_html
    return submitted_html


@transaction.atomic
def job_update(*, page: JobPage, editor, data: dict, tags: list[str]) -> JobPage:
    """Saves the poster's changes as a revision and publishes it as the poster, through Wagtail's permission
    checks (with "Review new listings" on, or for a listing not yet approved, it goes to review instead).

    Refused (ListingNotEditable, nothing changed) while an editor has the listing unpublished, locked or in review.
    """
    page = JobPage.objects.select_for_update().get(pk=page.pk).specific
    refusal = job_site_form_refusal(page=page)
    if refusal:
        raise ListingNotEditable(refusal)
    # The latest revision, so that a draft an editor saved in the admin is the base, not the live row.
    page = page.get_latest_revision_as_object()
    title_changed = page.title != data["title"]
    description = keep_rich_text_if_unchanged(current_html=page.description, submitted_html=data["description"])
    data = {**data, "description": description}
    for field in EDITABLE_FIELDS:
        setattr(page, field, data[field])
    if title_changed:
        page.slug = _unique_slug(parent=page.get_parent(), title=page.title, exclude_pk=page.pk)
    page.tags.set(tags)
    revision = page.save_revision(user=editor, log_action=True)
    if _review_is_on(page) or not page.live:
        _send_to_review(page=page, user=editor)
    else:
        revision.publish(user=editor)
    page.refresh_from_db()
    return page


def _set_listing_state(*, page: JobPage, **fields) -> JobPage:
    """Writes the poster's switches without a revision (they are state of the listing, not of its content)."""
    JobPage.objects.filter(pk=page.pk).update(**fields)
    for name, value in fields.items():
        setattr(page, name, value)
    return page


def job_close(*, page: JobPage, user) -> JobPage:
    """Takes the listing off the board at once ("filled" or "closed"); no refund. It stays in the poster's list."""
    if page.closed_at is not None:
        return page
    page = _set_listing_state(page=page, closed_at=timezone.now())
    log(instance=page, action="jobs.close", user=user)
    return page


def job_reopen(*, page: JobPage, user, now: datetime | None = None) -> JobPage:
    """Puts a closed listing back on the board, while its paid week lasts (ListingNotEditable after it)."""
    now = now or timezone.now()
    if page.closed_at is None:
        return page
    if page.paid_until is None or page.paid_until <= now:
        raise ListingNotEditable(f"“{page.title}”'s paid week is over; pay for a new week to put it back.")
    refusal = job_site_form_refusal(page=page)
    if refusal:
        raise ListingNotEditable(refusal)
    page = _set_listing_state(page=page, closed_at=None)
    log(instance=page, action="jobs.reopen", user=user)
    return page


def job_set_reminders(*, page: JobPage, enabled: bool) -> JobPage:
    """Turns the renewal reminder e-mails for this listing on or off."""
    return _set_listing_state(page=page, reminders_enabled=enabled)
