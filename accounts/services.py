"""Writes for accounts: sign-up, the account a guest checkout resolves to, verification, one-time sign-in links."""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import email_send_on_commit, site_root
from accounts.models import EmailAddress, SignInLink
from accounts.verification import (
    BadVerificationLink,
    normalise_email,
    verification_token,
    verification_token_read,
)

logger = logging.getLogger(__name__)

User = get_user_model()


class AccountError(Exception):
    """A request about an account that cannot be done, with a message fit for the visitor; nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadSignInLink(AccountError):
    """The one-time link is unknown (mistyped or tampered with), used already, or expired."""


def _valid_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(f"“{email}” is not a valid e-mail address.") from None
    return email


def account_with_email(email: str):
    """The oldest active account with this address (any letter case), or None."""
    return User.objects.filter(email__iexact=normalise_email(email), is_active=True).order_by("pk").first()


def _free_username(email: str) -> str:
    """The address itself when it makes a free, valid username (so it signs in as typed); else its local part
    with a random suffix."""
    try:
        UnicodeUsernameValidator()(email)
        valid = len(email) <= 150
    except ValidationError:
        valid = False
    if valid and not User.objects.filter(username__iexact=email).exists():
        return email
    local = "".join(ch for ch in email.split("@")[0] if ch.isalnum() or ch in "._-")[:100] or "user"
    return f"{local}-{secrets.token_hex(4)}"


def _account_create(*, email: str, origin: str, password: str | None = None, name: str = ""):
    """A new account and its unverified address, or IntegrityError when the address was taken meanwhile."""
    with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
        user = User.objects.create_user(
            username=_free_username(email), email=email, password=password, first_name=(name or "")[:150]
        )
        EmailAddress.objects.create(user=user, email=email, origin=origin)
    return user


def account_for_guest_checkout(*, email: str, name: str = ""):
    """The account a guest's paid order belongs to: the one that has this address already, or a new one made now
    (no usable password, address not verified). Nobody is signed in here. AccountError for a malformed address."""
    email = _valid_email(email)
    existing = account_with_email(email)
    if existing is not None:
        return existing
    try:
        user = _account_create(email=email, origin=EmailAddress.Origin.GUEST_CHECKOUT, name=name)
    except IntegrityError:
        # Another payment with this address made the account a moment ago.
        return EmailAddress.objects.select_related("user").get(email=email).user
    logger.info("Guest checkout made account %s", user.pk)
    return user


@dataclass(frozen=True)
class SignUp:
    email: str
    created: bool


def account_sign_up(*, email: str, password: str) -> SignUp:
    """A new account with an unverified address and a verification e-mail; or, when the address is in use, no
    account and an e-mail to its owner instead. The visitor is told the same either way (no enumeration).
    `password` must have passed Django's validators (the form does it)."""
    email = _valid_email(email)
    if account_with_email(email) is None:
        try:
            user = _account_create(email=email, origin=EmailAddress.Origin.SIGN_UP, password=password)
        except IntegrityError:
            user = None
        if user is not None:
            email_verification_send(user=user)
            return SignUp(email=email, created=True)
    email_send_on_commit(
        to=email,
        template="sign_up_existing",
        context={"reset_url": site_root() + reverse("password_reset"), "login_url": site_root() + reverse("login")},
    )
    return SignUp(email=email, created=False)


def email_verification_send(*, user) -> bool:
    """E-mail the user a link proving their address; False when there is nothing to verify."""
    record = EmailAddress.objects.filter(user=user).first()
    if record is None or record.verified_at is not None or record.email != normalise_email(user.email):
        return False
    url = site_root() + reverse("accounts:verify_email", args=[verification_token(record)])
    days = settings.ACCOUNTS_VERIFICATION_LINK_MAX_AGE // 86400
    email_send_on_commit(to=record.email, template="verify_email", context={"user": user, "url": url, "days": days})
    return True


@transaction.atomic
def account_verify_email(*, token: str):
    """Mark the address a verification link names as proved; returns the user. BadVerificationLink if not."""
    user_id, email = verification_token_read(token)
    record = EmailAddress.objects.select_for_update().select_related("user").filter(user_id=user_id).first()
    if record is None or record.email != email or normalise_email(record.user.email) != email:
        raise BadVerificationLink("This verification link is for an address your account no longer has.")
    if record.verified_at is None:
        record.verified_at = timezone.now()
        record.save(update_fields=["verified_at"])
    return record.user


def email_mark_verified(*, user) -> None:
    """The user proved they read mail at their current address (a reset or a sign-in link reached it)."""
    EmailAddress.objects.filter(user=user, email=normalise_email(user.email), verified_at__isnull=True).update(
        verified_at=timezone.now()
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_link_create(*, user) -> str:
    """A one-time sign-in link for the user (absolute URL), valid for ACCOUNTS_SIGN_IN_LINK_MAX_AGE."""
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(
        user=user, token_digest=_digest(token), expires_at=timezone.now() + settings.ACCOUNTS_SIGN_IN_LINK_MAX_AGE
    )
    return site_root() + reverse("accounts:sign_in_link", args=[token])


def sign_in_link_check(*, token: str) -> SignInLink:
    """The usable link for `token`, or BadSignInLink saying why not. Changes nothing."""
    link = SignInLink.objects.select_related("user").filter(token_digest=_digest(token or "")).first()
    if link is None or not link.user.is_active:
        raise BadSignInLink("This sign-in link is not valid. Check that you copied all of it.")
    if link.used_at is not None:
        raise BadSignInLink(
            "This sign-in link has been used already; each link works once. Sign in, or reset your password to get in."
        )
    if link.expires_at <= timezone.now():
        raise BadSignInLink("This sign-in link has expired. Reset your password to get in.")
    return link


@transaction.atomic
def sign_in_link_use(*, token: str):
    """Spend the link (once: the row is locked) and return its user, whose address it proves. BadSignInLink if the
    link cannot be used."""
    link = sign_in_link_check(token=token)
    link = SignInLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    if link.used_at is not None:
        raise BadSignInLink("This sign-in link has been used already; each link works once.")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    email_mark_verified(user=link.user)
    return link.user
