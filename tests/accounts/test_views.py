"""The account pages: sign-up and verification, one-time links, choosing a password, password reset, /accounts/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts import services
from accounts.models import EmailAddress, SignInLink
from accounts.verification import email_is_verified

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-passphrase-42"


def link_in(message, path: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s\"<]*)", message.body)
    assert found, message.body
    return found.group(1)


def sign_up(client, email="new@example.com", password=PASSWORD, again=None):
    return client.post("/accounts/signup/", {"email": email, "password1": password, "password2": again or password})


def test_sign_up_page_is_linked_from_sign_in_and_from_the_cart(client):
    assert 'href="/accounts/signup/"' in client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/signup/").status_code == 200


def test_sign_up_then_the_e_mailed_link_verifies_the_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    assert "new@example.com" in client.get(response["Location"]).content.decode()
    user = User.objects.get(email="new@example.com")
    assert not email_is_verified(user)

    verified = client.get(link_in(mail.outbox[0], "/accounts/verify/"))

    assert verified.status_code == 302
    assert email_is_verified(user)
    assert client.post("/accounts/login/", {"username": "new@example.com", "password": PASSWORD}).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_second_sign_up_with_an_address_in_use_answers_the_same_and_mails_the_owner(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = sign_up(client, email="fresh@example.com")
        again = sign_up(client, email=user.email)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert [m.to for m in mail.outbox] == [["fresh@example.com"], [user.email]]
    assert "you have one already" in mail.outbox[1].body


@pytest.mark.parametrize(
    ("email", "password", "again", "message"),
    [
        ("not-an-address", PASSWORD, None, "Enter a valid email address."),
        ("weak@example.com", "12345678", None, "This password is too common."),
        ("weak@example.com", "short", None, "This password is too short."),
        ("weak@example.com", PASSWORD, PASSWORD + "x", "The two passwords differ."),
        ("", PASSWORD, None, "This field is required."),
    ],
)
def test_bad_sign_up_input_says_why_and_makes_nobody(client, email, password, again, message):
    response = sign_up(client, email=email, password=password, again=again)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not mail.outbox


def test_a_tampered_verification_link_says_so(client):
    response = client.get("/accounts/verify/not-a-real-token/")

    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_the_one_time_link_signs_in_once_then_lets_the_buyer_choose_a_password(client):
    user = services.account_for_guest_checkout(email="guest@example.com")
    path = services.sign_in_link_create(user=user).split("://", 1)[1].split("/", 1)[1]
    path = "/" + path

    shown = client.get(path)
    assert shown.status_code == 200
    assert "_auth_user_id" not in client.session  # a GET (a mail scanner) spends nothing
    assert SignInLink.objects.get().used_at is None

    used = client.post(path)
    assert used["Location"] == "/accounts/password/"
    assert int(client.session["_auth_user_id"]) == user.pk

    chosen = client.post("/accounts/password/", {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert chosen["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    client.post("/accounts/logout/")
    again = client.post(path)
    assert again.status_code == 400
    assert "used already" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_weak_first_password_is_refused_with_the_reason(client):
    user = services.account_for_guest_checkout(email="guest@example.com")
    client.force_login(user)

    response = client.post("/accounts/password/", {"new_password1": "password", "new_password2": "password"})

    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": user.email})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_password_reset_sets_a_new_password_through_the_e_mailed_link(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email})
    form_page = client.get(link_in(mail.outbox[0], "/accounts/password/reset/"), follow=True)
    assert form_page.status_code == 200

    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_guest_account_without_a_password_can_reset_it(client, django_capture_on_commit_callbacks):
    services.account_for_guest_checkout(email="guest@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "guest@example.com"})

    assert [m.to for m in mail.outbox] == [["guest@example.com"]]


def test_a_tampered_reset_link_says_so_and_changes_nothing(client, user):
    response = client.get("/accounts/password/reset/MQ/not-a-token/")

    assert response.status_code == 200
    assert "This password reset link is not valid" in response.content.decode()


def test_a_malformed_reset_address_is_refused(client):
    response = client.post("/accounts/password/reset/", {"email": "not-an-address"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not mail.outbox


def test_the_account_page_shows_the_address_state_and_offers_the_verification_link(
    client, django_capture_on_commit_callbacks
):
    services.account_sign_up(email="s@example.com", password=PASSWORD)
    user = User.objects.get()
    client.force_login(user)

    page = client.get("/accounts/").content.decode()
    assert "is not verified yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/verify-again/")
    client.get(link_in(mail.outbox[-1], "/accounts/verify/"))

    assert "is verified" in client.get("/accounts/").content.decode()
    assert EmailAddress.objects.get().verified_at is not None
