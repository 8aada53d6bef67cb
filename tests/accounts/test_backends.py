"""accounts.backends.EmailOrUsernameBackend: a password signs in by username, or by an address one account has."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from website.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def member(username, email):
    user = UserFactory(username=username, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(username, password=PASSWORD):
    return authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)


def test_the_username_and_the_address_in_any_case_both_sign_in():
    alice = member("alice", "alice@example.com")

    assert sign_in("alice") == alice
    assert sign_in("Alice@Example.com") == alice
    assert sign_in("alice@example.com", "wrong") is None


def test_an_address_shared_by_two_accounts_signs_in_to_neither():
    member("one", "shared@example.com")
    member("two", "shared@example.com")

    assert sign_in("shared@example.com") is None


def test_a_username_that_looks_like_an_address_is_that_account_only():
    owner = member("bob@example.com", "bob.real@example.com")
    member("robert", "bob@example.com")

    assert sign_in("bob@example.com") == owner
