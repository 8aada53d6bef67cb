"""accounts.verification.email_is_verified: what the job board's auto-approval relies on."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import services
from accounts.models import EmailAddress
from accounts.verification import email_is_verified

pytestmark = pytest.mark.django_db


def test_an_account_made_by_staff_or_a_command_counts_as_verified(user):
    assert email_is_verified(user)


def test_a_staff_made_account_without_an_address_is_not_verified(user):
    user.email = ""
    user.save()
    assert not email_is_verified(user)


def test_anonymous_and_none_are_not_verified():
    assert not email_is_verified(AnonymousUser())
    assert not email_is_verified(None)


def test_a_sign_up_is_verified_only_after_its_link_and_only_for_that_address():
    services.account_sign_up(email="s@example.com", password="a-long-passphrase-42")
    record = EmailAddress.objects.get()
    assert not email_is_verified(record.user)

    services.email_mark_verified(user=record.user)
    assert email_is_verified(record.user)

    record.user.email = "other@example.com"
    record.user.save()
    assert not email_is_verified(record.user)
