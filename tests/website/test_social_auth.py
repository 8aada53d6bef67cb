"""The real social-auth pipeline, with only the providers' HTTP mocked (the `responses` library)."""

from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.contrib.auth import get_user_model
from django.test import override_settings
from social_django.models import UserSocialAuth

from website.settings.base import authentication_backends

pytestmark = pytest.mark.django_db

GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"
GITHUB_USER_URL = "https://api.github.com/user"
GITHUB_EMAILS_URL = "https://api.github.com/user/emails"
GOOGLE_TOKEN_URL = "https://accounts.google.com/o/oauth2/token"
GOOGLE_USERINFO_URL = "https://www.googleapis.com/oauth2/v3/userinfo"


def _begin(client, backend, next_url=None):
    # Social-auth only starts on POST (CSRF-protected), as the sign-in page's buttons do.
    response = client.post(f"/auth/login/{backend}/", {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return urlparse(response["Location"]), parse_qs(urlparse(response["Location"]).query)


def _mock_github(rsps, *, uid=4242, login="octocat", email="octo@example.com"):
    rsps.add(responses.POST, GITHUB_TOKEN_URL, json={"access_token": "gho_token", "token_type": "bearer"})
    rsps.add(responses.GET, GITHUB_USER_URL, json={"id": uid, "login": login, "name": "Mona Octocat", "email": email})
    rsps.add(responses.GET, GITHUB_EMAILS_URL, json=[{"email": email, "primary": True, "verified": True}])


def test_github_sign_in_redirects_to_github_with_state_and_callback(client):
    location, query = _begin(client, "github")

    assert location.netloc == "github.com"
    assert location.path == "/login/oauth/authorize"
    assert query["client_id"] == ["test-github-key"]
    assert query["state"][0]
    assert query["redirect_uri"][0].endswith("/auth/complete/github/")


def test_first_github_sign_in_creates_the_user_and_returns_to_next(client):
    _, query = _begin(client, "github", next_url="/cart/")

    with responses.RequestsMock() as rsps:
        _mock_github(rsps)
        response = client.get("/auth/complete/github/", {"code": "the-code", "state": query["state"][0]})
        token_request = rsps.calls[0].request

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    assert "code=the-code" in token_request.body
    user = get_user_model().objects.get(social_auth__provider="github", social_auth__uid="4242")
    assert user.username == "octocat"
    assert user.email == "octo@example.com"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_second_github_sign_in_reuses_the_same_user(client):
    for _ in range(2):
        _, query = _begin(client, "github")
        with responses.RequestsMock() as rsps:
            _mock_github(rsps)
            client.get("/auth/complete/github/", {"code": "c", "state": query["state"][0]})
        client.post("/accounts/logout/")

    assert UserSocialAuth.objects.filter(provider="github").count() == 1
    assert get_user_model().objects.count() == 1


def test_social_sign_in_is_never_linked_to_an_account_by_matching_email(client, user):
    # `user` (alice) owns alice@example.com; a GitHub account claiming the same address tries to sign in. It is
    # neither merged into alice's account nor made a second account: alice signs in and links it herself.
    _, query = _begin(client, "github")
    with responses.RequestsMock() as rsps:
        _mock_github(rsps, uid=777, login="alice", email="alice@example.com")
        response = client.get("/auth/complete/github/", {"code": "c", "state": query["state"][0]})

    assert response["Location"] == "/accounts/login/"
    assert not UserSocialAuth.objects.filter(provider="github", uid="777").exists()
    assert get_user_model().objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_state_mismatch_is_refused_and_creates_nobody(client):
    _begin(client, "github")

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _mock_github(rsps)
        response = client.get("/auth/complete/github/", {"code": "c", "state": "forged-state"})
        assert len(rsps.calls) == 0

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not get_user_model().objects.exists()
    assert "_auth_user_id" not in client.session


def test_google_sign_in_creates_the_user(client):
    location, query = _begin(client, "google-oauth2", next_url="/jobs/")
    assert location.netloc == "accounts.google.com"

    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, GOOGLE_TOKEN_URL, json={"access_token": "ya29", "token_type": "Bearer"})
        rsps.add(
            responses.GET,
            GOOGLE_USERINFO_URL,
            json={
                "sub": "1099",
                "email": "grace@example.com",
                "email_verified": True,
                "name": "Grace Hopper",
                "given_name": "Grace",
                "family_name": "Hopper",
            },
        )
        response = client.get("/auth/complete/google-oauth2/", {"code": "g", "state": query["state"][0]})

    assert response["Location"] == "/jobs/"
    user = get_user_model().objects.get(social_auth__provider="google-oauth2", social_auth__uid="1099")
    assert user.email == "grace@example.com"


def test_offsite_next_is_not_followed(client):
    _, query = _begin(client, "github", next_url="https://evil.example.net/")
    with responses.RequestsMock() as rsps:
        _mock_github(rsps)
        response = client.get("/auth/complete/github/", {"code": "c", "state": query["state"][0]})

    assert "evil.example.net" not in response["Location"]


def test_sign_in_page_offers_configured_providers_and_keeps_next(client):
    html = client.get("/accounts/login/?next=/cart/").content.decode()

    assert 'action="/auth/login/github/"' in html
    assert 'action="/auth/login/google-oauth2/"' in html
    assert html.count('name="next" value="/cart/"') == 3
    assert 'name="password"' in html


def test_providers_without_keys_are_hidden_from_the_sign_in_page(client):
    with override_settings(AUTHENTICATION_BACKENDS=authentication_backends(github=False, google=True)):
        html = client.get("/accounts/login/").content.decode()

    assert "Continue with GitHub" not in html
    assert "Continue with Google" in html


def test_providers_without_keys_are_not_enabled_backends():
    # Social-auth reads AUTHENTICATION_BACKENDS once at start-up, so a provider left out here answers
    # 404 at /auth/login/<name>/ (as an unknown provider does below) instead of a broken redirect.
    assert authentication_backends(github=False, google=False) == [
        "axes.backends.AxesBackend",
        "accounts.backends.EmailOrUsernameBackend",
    ]
    assert "social_core.backends.github.GithubOAuth2" in authentication_backends(github=True, google=False)


def test_unknown_provider_answers_404(client):
    assert client.post("/auth/login/facebook/").status_code == 404
