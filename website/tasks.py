"""Scheduled tasks for the site as a whole (django-q2; see website.schedules)."""

import io

from django.core.management import call_command


def publish_scheduled() -> str:
    """Every minute: Wagtail's `publish_scheduled` command, which publishes revisions whose go-live time has come and
    unpublishes pages (products, listings) whose expiry time has passed. Returns what it printed, for the task report.
    """
    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()
