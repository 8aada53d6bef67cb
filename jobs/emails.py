"""E-mails to posters: decisions on their posting-rights requests and renewal reminders (templates/jobs/email/)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from jobs.models import site_root_url

TEMPLATES = {
    "rights_approved": ("jobs/email/rights_approved_subject.txt", "jobs/email/rights_approved.txt"),
    "rights_declined": ("jobs/email/rights_declined_subject.txt", "jobs/email/rights_declined.txt"),
    "renewal_reminder": ("jobs/email/renewal_reminder_subject.txt", "jobs/email/renewal_reminder.txt"),
}


def poster_email_send(*, recipient: str, kind: str, context: dict) -> bool:
    """Sends the `kind` e-mail; False (nothing sent) when the user has no address."""
    if not recipient:
        return False
    subject_template, body_template = TEMPLATES[kind]
    context = {**context, "site_root": site_root_url()}
    subject = " ".join(render_to_string(subject_template, context).split())
    send_mail(subject, render_to_string(body_template, context), settings.DEFAULT_FROM_EMAIL, [recipient])
    return True
