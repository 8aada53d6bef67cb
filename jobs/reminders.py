"""Renewal reminders: one e-mail per paid week, some days before the listing's paid week ends."""

import logging
from datetime import datetime

from django.utils import timezone

from billing.tokens import payment_url
from jobs.emails import poster_email_send
from jobs.models import JobBoardSettings, JobPage, site_root_url

logger = logging.getLogger(__name__)


def job_renewal_url(*, page: JobPage) -> str:
    """The listing's payment page, absolute: billing's signed link, which shows what a payment buys and charges
    nothing until the poster presses a button (a GET never charges)."""
    return f"{site_root_url()}{payment_url(page)}"


def jobs_send_renewal_reminders(*, now: datetime | None = None) -> int:
    """E-mails each poster whose listing's paid week ends within the board's `reminder_days_before` days, once
    per paid week: the paid-until time reminded of is stored, and a renewal (a later paid-until) counts anew.
    Listings that are closed, unpublished or have reminders turned off get none. Returns how many were sent."""
    now = now or timezone.now()
    days = JobBoardSettings.current().reminder_days_before
    sent = 0
    for page in JobPage.objects.due_a_reminder(now, days).select_related("owner").order_by("paid_until", "pk"):
        # Claim this week first (a conditional update), so that two runs at once send one e-mail, not two.
        claimed = (
            JobPage.objects.filter(pk=page.pk, paid_until=page.paid_until)
            .exclude(reminder_sent_for=page.paid_until)
            .update(reminder_sent_for=page.paid_until)
        )
        if not claimed or page.owner is None:
            continue
        context = {
            "page": page,
            "user": page.owner,
            "paid_until": timezone.localtime(page.paid_until),
            "timezone": timezone.get_current_timezone_name(),
            "renew_url": job_renewal_url(page=page),
        }
        if poster_email_send(recipient=page.owner.email, kind="renewal_reminder", context=context):
            sent += 1
        else:
            logger.warning("Listing %s: its poster has no e-mail address; no renewal reminder sent", page.pk)
    return sent
