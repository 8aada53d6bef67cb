"""Guessing is stopped: django-axes locks a username-and-address pair out of password sign-in (site and Wagtail
admin) with a cool-off, a locked-out user can still reset their password, and sign-up and reset are rate-limited."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from website.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def axes_on(settings):
    """The test settings leave django-axes off (Client.login() has no request to give it); these tests are about it."""
    settings.AXES_ENABLED = True


@pytest.fixture
def member(db):
    member = UserFactory(username="member", email="member@example.com")
    member.set_password(PASSWORD)
    member.save()
    return member


def sign_in(client, password, username="member", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_twenty_wrong_passwords_do_not_let_the_twenty_first_guess_through(client, member, settings):
    answers = [sign_in(client, f"wrong-{n}").status_code for n in range(20)]

    assert answers[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT :]) == {429}
    right = sign_in(client, PASSWORD)
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.content.decode()
    assert 'href="/accounts/password/reset/"' in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_after_the_cool_off_the_right_password_works(client, member, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"wrong-{n}")
    assert sign_in(client, PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
        response = sign_in(client, PASSWORD)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_the_lockout_is_per_username_and_address(client, member, other_user, settings):
    other_user.set_password(PASSWORD)
    other_user.save()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"wrong-{n}")

    assert sign_in(client, PASSWORD, username=other_user.username).status_code == 302
    client.post("/accounts/logout/")
    assert sign_in(client, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout_without_trusted_proxies(client, member, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_the_one_locked_out(client, member, settings):
    settings.DJANGO_TRUSTED_PROXIES = ["127.0.0.1/32"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"wrong-{n}", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    # Another client behind the same proxy is not locked out; a forged leftmost hop changes nothing.
    assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7, 198.51.100.8").status_code == 302


def test_the_wagtail_admin_sign_in_locks_out_too(client, settings):
    staff = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "staffer", "password": f"wrong-{n}"})

    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_locked_out_user_can_reset_their_password_and_sign_in_at_once(
    client, member, settings, django_capture_on_commit_callbacks
):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"wrong-{n}")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/password/reset/", {"email": member.email}).status_code == 302
    link = mail.outbox[0].body.split("http://", 1)[1].split()[0]
    form_page = client.get("/" + link.split("/", 1)[1], follow=True)
    new_password = "a-brand-new-passphrase-7"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    assert sign_in(client, new_password).status_code == 302


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/signup/", {"password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"}),
        ("/accounts/password/reset/", {}),
    ],
)
def test_sign_up_and_reset_are_limited_per_e_mail_address(client, url, data, settings):
    per_email = settings.ACCOUNTS_RATE_LIMITS["sign_up" if "signup" in url else "password_reset"]["email"][0]
    answers = [
        client.post(url, {**data, "email": "target@example.com"}, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(per_email + 1)
    ]

    assert answers[:per_email] == [302] * per_email
    assert answers[-1] == 429
    assert "Too many requests" in client.post(url, {**data, "email": "target@example.com"}).content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/signup/", {"password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"}),
        ("/accounts/password/reset/", {}),
    ],
)
def test_sign_up_and_reset_are_limited_per_client_address(client, url, data, settings):
    per_ip = settings.ACCOUNTS_RATE_LIMITS["sign_up" if "signup" in url else "password_reset"]["ip"][0]
    answers = [client.post(url, {**data, "email": f"n{n}@example.com"}).status_code for n in range(per_ip + 1)]

    assert answers[:per_ip] == [302] * per_ip
    assert answers[-1] == 429
