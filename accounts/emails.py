"""Account e-mails: plain text plus HTML, rendered from templates/accounts/email/, sent once the transaction that
asked for them commits (a rolled-back sign-up sends nothing), through the EMAIL_URL backend."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def site_root() -> str:
    """The site's address for links in e-mails (WAGTAILADMIN_BASE_URL), without a trailing slash."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def email_render(*, template: str, context: dict) -> EmailMultiAlternatives:
    """`accounts/email/<template>_subject.txt`, `.txt` and `.html` as one message (sender DEFAULT_FROM_EMAIL)."""
    context = {"site_root": site_root(), "site_name": settings.WAGTAIL_SITE_NAME, **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string(f"accounts/email/{template}.txt", context), settings.DEFAULT_FROM_EMAIL
    )
    message.attach_alternative(render_to_string(f"accounts/email/{template}.html", context), "text/html")
    return message


def email_send_on_commit(*, to: str, template: str, context: dict) -> None:
    """Send the e-mail after the current transaction commits (at once outside one)."""
    message = email_render(template=template, context=context)
    message.to = [to]
    transaction.on_commit(partial(_send, message), robust=True)


def _send(message: EmailMultiAlternatives) -> None:
    message.send()
    logger.info("Sent %r to %s", message.subject, ", ".join(message.to))
