"""Scheduled tasks (django-q2; see website.schedules). Thin: each calls the service its command calls."""

from jobs.reminders import jobs_send_renewal_reminders
from jobs.services import jobs_end_expired_weeks


def end_paid_weeks() -> dict:
    """Hourly: `manage.py jobs_end_expired_weeks`."""
    return {"listings_updated": jobs_end_expired_weeks()}


def send_renewal_reminders() -> dict:
    """Hourly: e-mail posters whose listing's paid week ends soon (`manage.py jobs_send_renewal_reminders`)."""
    return {"reminders_sent": jobs_send_renewal_reminders()}
