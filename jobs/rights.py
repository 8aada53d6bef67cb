"""Writes for posting rights: a signed-in user asks to post listings, an editor approves or declines in the admin.

Approval adds the user to the "Job posters" group (which holds `jobs.post_job`) and e-mails them; a decline e-mails
the editor's reason. With the board's "approve verified posters at once" setting on, a request from an account whose
e-mail address is verified is approved when it is made.
"""

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.verification import email_is_verified
from jobs.emails import poster_email_send
from jobs.models import JobBoardSettings, PostingRightsRequest

POSTERS_GROUP = "Job posters"


class RequestNotAllowed(Exception):
    """The request cannot be made or decided as asked; the message says why, fit to show."""


def posters_group() -> Group:
    """The "Job posters" group, with `jobs.post_job` (made here too if the site's setup has not made it yet)."""
    group, _created = Group.objects.get_or_create(name=POSTERS_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    return group


def user_has_open_request(*, user) -> bool:
    return PostingRightsRequest.objects.filter(user=user, status=PostingRightsRequest.Status.OPEN).exists()


def posting_rights_request_create(*, user, company: str, website: str, about: str) -> PostingRightsRequest:
    """Records the user's request (RequestNotAllowed if one is open already); approved at once when the board
    approves verified posters and this user's address is verified."""
    if user.has_perm("jobs.post_job"):
        raise RequestNotAllowed("This account may post job listings already.")
    try:
        with transaction.atomic():
            request = PostingRightsRequest.objects.create(user=user, company=company, website=website, about=about)
    except IntegrityError:
        # The partial unique constraint: one open request per user, even for two submissions at once.
        raise RequestNotAllowed("You have asked already; an editor will answer your request soon.") from None
    if JobBoardSettings.current().approve_verified_posters and email_is_verified(user):
        request = posting_rights_request_approve(request=request, editor=None)
    return request


def _decide(*, request: PostingRightsRequest, editor, status: str, message: str) -> PostingRightsRequest:
    with transaction.atomic():
        request = PostingRightsRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
        if request.status != PostingRightsRequest.Status.OPEN:
            raise RequestNotAllowed(f"This request was {request.get_status_display().lower()} already.")
        request.status = status
        request.decided_at = timezone.now()
        request.decided_by = editor
        request.message = message.strip()
        request.save(update_fields=["status", "decided_at", "decided_by", "message"])
        if status == PostingRightsRequest.Status.APPROVED:
            request.user.groups.add(posters_group())
    kind = "rights_approved" if status == PostingRightsRequest.Status.APPROVED else "rights_declined"
    # After the commit: the e-mail never announces a decision that was rolled back.
    poster_email_send(recipient=request.user.email, kind=kind, context={"request": request, "user": request.user})
    return request


def posting_rights_request_approve(*, request: PostingRightsRequest, editor, message: str = "") -> PostingRightsRequest:
    """Adds the user to "Job posters" and e-mails them (with the editor's message, if any)."""
    return _decide(request=request, editor=editor, status=PostingRightsRequest.Status.APPROVED, message=message)


def posting_rights_request_decline(*, request: PostingRightsRequest, editor, message: str = "") -> PostingRightsRequest:
    """E-mails the user the editor's reason; they may ask again later."""
    return _decide(request=request, editor=editor, status=PostingRightsRequest.Status.DECLINED, message=message)
