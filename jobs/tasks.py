"""Scheduled tasks (django-q2; see website.schedules). Thin: each calls the service its command calls."""

from jobs.services import jobs_end_expired_weeks


def end_paid_weeks() -> dict:
    """Hourly: `manage.py jobs_end_expired_weeks`."""
    return {"listings_updated": jobs_end_expired_weeks()}
