"""accounts.services: the account a guest checkout resolves to, sign-up, verification and one-time sign-in links."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import EmailAddress, SignInLink
from accounts.verification import BadVerificationLink, email_is_verified, verification_token

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_guest_with_a_new_address_gets_a_new_account_without_password_or_verified_address():
    user = services.account_for_guest_checkout(email="  New.Buyer@Example.com ", name="New Buyer")

    assert user.email == "new.buyer@example.com"
    assert user.username == "new.buyer@example.com"
    assert user.first_name == "New Buyer"
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).origin == EmailAddress.Origin.GUEST_CHECKOUT
    assert not email_is_verified(user)


def test_a_guest_with_a_known_address_gets_that_account_in_any_letter_case(user):
    assert services.account_for_guest_checkout(email=user.email.upper()) == user
    assert User.objects.count() == 1
    assert not EmailAddress.objects.exists()


def test_two_guests_with_one_new_address_share_one_account():
    first = services.account_for_guest_checkout(email="twice@example.com")
    second = services.account_for_guest_checkout(email="TWICE@example.com")

    assert first == second
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "two@@example.com"])
def test_a_malformed_guest_address_is_refused_and_makes_nobody(email):
    with pytest.raises(services.AccountError, match="not a valid e-mail address"):
        services.account_for_guest_checkout(email=email)
    assert not User.objects.exists()


def test_a_username_taken_by_someone_else_gets_a_suffix(user):
    User.objects.create_user(username="taken@example.com", email="other@example.com")

    made = services.account_for_guest_checkout(email="taken@example.com")

    assert made.username.startswith("taken-")
    assert made.email == "taken@example.com"


def test_sign_up_makes_an_unverified_account_and_e_mails_a_verification_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.account_sign_up(email="Poster@Example.com", password="a-long-passphrase-42")

    user = User.objects.get(email="poster@example.com")
    assert outcome.created
    assert user.check_password("a-long-passphrase-42")
    assert not email_is_verified(user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["poster@example.com"]
    assert "/accounts/verify/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_sign_up_with_an_address_in_use_makes_nobody_and_tells_the_owner(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.account_sign_up(email=user.email.upper(), password="a-long-passphrase-42")

    assert not outcome.created
    assert User.objects.count() == 1
    assert not user.check_password("a-long-passphrase-42")
    assert mail.outbox[0].to == [user.email]
    assert "you have one already" in mail.outbox[0].body
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_verification_marks_the_address_verified_and_is_harmless_again(django_capture_on_commit_callbacks):
    services.account_sign_up(email="v@example.com", password="a-long-passphrase-42")
    record = EmailAddress.objects.get()
    token = verification_token(record)

    assert services.account_verify_email(token=token) == record.user
    assert services.account_verify_email(token=token) == record.user
    assert email_is_verified(record.user)


def test_a_tampered_verification_token_is_refused_and_changes_nothing():
    services.account_sign_up(email="v@example.com", password="a-long-passphrase-42")
    token = verification_token(EmailAddress.objects.get())

    with pytest.raises(BadVerificationLink, match="not valid"):
        services.account_verify_email(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert EmailAddress.objects.get().verified_at is None


def test_an_expired_verification_token_is_refused_and_changes_nothing(settings):
    services.account_sign_up(email="v@example.com", password="a-long-passphrase-42")
    token = verification_token(EmailAddress.objects.get())

    later = timezone.now() + timedelta(seconds=settings.ACCOUNTS_VERIFICATION_LINK_MAX_AGE + 5)
    with time_machine.travel(later), pytest.raises(BadVerificationLink, match="expired"):
        services.account_verify_email(token=token)
    assert EmailAddress.objects.get().verified_at is None


def test_a_verification_token_for_an_address_since_changed_is_refused():
    services.account_sign_up(email="v@example.com", password="a-long-passphrase-42")
    record = EmailAddress.objects.get()
    token = verification_token(record)
    User.objects.filter(pk=record.user_id).update(email="changed@example.com")

    with pytest.raises(BadVerificationLink, match="no longer has"):
        services.account_verify_email(token=token)
    assert EmailAddress.objects.get().verified_at is None


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_a_sign_in_link_works_once_and_proves_the_address():
    user = services.account_for_guest_checkout(email="g@example.com")
    token = _token(services.sign_in_link_create(user=user))

    assert services.sign_in_link_use(token=token) == user
    assert email_is_verified(user)
    with pytest.raises(services.BadSignInLink, match="used already"):
        services.sign_in_link_use(token=token)


def test_a_sign_in_link_past_its_age_is_refused_and_stays_unused(settings):
    user = services.account_for_guest_checkout(email="g@example.com")
    token = _token(services.sign_in_link_create(user=user))

    later = timezone.now() + settings.ACCOUNTS_SIGN_IN_LINK_MAX_AGE + timedelta(seconds=1)
    with time_machine.travel(later), pytest.raises(services.BadSignInLink, match="expired"):
        services.sign_in_link_use(token=token)
    assert SignInLink.objects.get().used_at is None
    assert not email_is_verified(user)


def test_a_sign_in_link_just_inside_its_age_works(settings):
    user = services.account_for_guest_checkout(email="g@example.com")
    token = _token(services.sign_in_link_create(user=user))

    with time_machine.travel(timezone.now() + settings.ACCOUNTS_SIGN_IN_LINK_MAX_AGE - timedelta(minutes=1)):
        assert services.sign_in_link_use(token=token) == user


@pytest.mark.parametrize("token", ["", "x", "A" * 43])
def test_an_unknown_sign_in_link_is_refused(token):
    services.sign_in_link_create(user=services.account_for_guest_checkout(email="g@example.com"))

    with pytest.raises(services.BadSignInLink, match="not valid"):
        services.sign_in_link_use(token=token)
    assert SignInLink.objects.get().used_at is None


def test_only_a_digest_of_the_sign_in_token_is_stored():
    user = services.account_for_guest_checkout(email="g@example.com")
    token = _token(services.sign_in_link_create(user=user))

    assert token not in SignInLink.objects.get().token_digest
