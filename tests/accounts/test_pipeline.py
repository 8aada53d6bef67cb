"""The social sign-in steps accounts adds (accounts.pipeline) and linking or unlinking providers at /accounts/, through
the real social-auth pipeline with only GitHub's HTTP mocked."""

from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.contrib.auth import get_user_model
from social_django.models import UserSocialAuth

from accounts.models import EmailAddress
from accounts.verification import email_is_verified

pytestmark = pytest.mark.django_db
User = get_user_model()


def github_round_trip(client, *, uid=4242, email="octo@example.com", next_url=None):
    begun = client.post("/auth/login/github/", {"next": next_url} if next_url else {})
    state = parse_qs(urlparse(begun["Location"]).query)["state"][0]
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, "https://github.com/login/oauth/access_token", json={"access_token": "t"})
        rsps.add(
            responses.GET,
            "https://api.github.com/user",
            json={"id": uid, "login": "octocat", "name": "Mona", "email": email},
        )
        rsps.add(
            responses.GET,
            "https://api.github.com/user/emails",
            json=[{"email": email, "primary": True, "verified": True}],
        )
        return client.get("/auth/complete/github/", {"code": "c", "state": state})


def test_a_first_social_sign_in_with_the_address_of_an_account_is_refused_and_says_how_to_link(client, user):
    response = github_round_trip(client, email=user.email.upper())

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert f"An account with the address {user.email} exists already" in page
    assert not UserSocialAuth.objects.exists()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_the_owner_signed_in_links_the_provider_from_the_account_page(client, user):
    client.force_login(user)
    assert 'action="/auth/login/github/"' in client.get("/accounts/").content.decode()

    github_round_trip(client, email=user.email, next_url="/accounts/")

    assert UserSocialAuth.objects.get(provider="github").user == user
    page = client.get("/accounts/").content.decode()
    assert "GitHub (4242)" in page
    assert "Unlink" in page  # a password remains as a way in


def test_a_new_social_account_keeps_its_address_unverified(client):
    github_round_trip(client)

    user = User.objects.get(social_auth__provider="github")
    assert EmailAddress.objects.get(user=user).origin == EmailAddress.Origin.SOCIAL
    assert not email_is_verified(user)


def test_a_provider_is_unlinked_while_a_password_remains(client, user):
    association = UserSocialAuth.objects.create(user=user, provider="github", uid="1")
    client.force_login(user)

    client.post(f"/auth/disconnect/github/{association.pk}/")

    assert not UserSocialAuth.objects.exists()


def test_the_last_way_in_is_never_unlinked(client):
    github_round_trip(client)
    user = User.objects.get()
    assert not user.has_usable_password()
    association = UserSocialAuth.objects.get()

    page = client.get("/accounts/").content.decode()
    assert "your only way in" in page
    assert "Unlink" not in page
    client.post(f"/auth/disconnect/github/{association.pk}/")

    assert UserSocialAuth.objects.filter(pk=association.pk).exists()
