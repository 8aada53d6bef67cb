"""Whether an account's e-mail address is proved, and the signed links that prove it.

The job board's auto-approval of posting rights relies on `email_is_verified`.
"""

from django.conf import settings
from django.core import signing

from accounts.models import EmailAddress

SALT = "accounts.verification"


class BadVerificationLink(Exception):
    """The link was tampered with, has expired, or names an address the account no longer has."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def email_is_verified(user) -> bool:
    """True when the user's current address is proved: verified through a link, or the account was made by staff or
    a command (no EmailAddress row) and has an address. False for anonymous users, accounts without an address, and
    unverified sign-ups, guest and social accounts."""
    if user is None or not user.is_authenticated or not user.email:
        return False
    record = EmailAddress.objects.filter(user=user).first()
    if record is None:
        return True
    return record.verified_at is not None and record.email == normalise_email(user.email)


def verification_token(record: EmailAddress) -> str:
    """A signed, expiring token naming the account and the address it proves (a changed address voids it)."""
    return signing.dumps({"user": record.user_id, "email": record.email}, salt=SALT, compress=True)


def verification_token_read(token: str) -> tuple[int, str]:
    """(user id, address) from a token, or BadVerificationLink saying why not."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ACCOUNTS_VERIFICATION_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise BadVerificationLink("This verification link has expired. Sign in and ask for a new one.") from None
    except signing.BadSignature:
        raise BadVerificationLink("This verification link is not valid. Check that you copied all of it.") from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) or not isinstance(data.get("email"), str):
        raise BadVerificationLink("This verification link is not valid. Check that you copied all of it.")
    return data["user"], data["email"]
