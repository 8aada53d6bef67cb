"""Every page says so when payments go to the local sandbox, and only then."""

import pytest

BANNER = "Test mode: local Stripe sandbox"


@pytest.mark.parametrize(
    ("api_base", "shows_banner"),
    [
        ("http://127.0.0.1:12111", True),
        ("http://localhost:12111", True),
        ("", False),
        ("https://api.stripe.com", False),
    ],
)
def test_banner_shows_only_when_stripe_calls_go_to_the_local_sandbox(
    client, home_page, settings, api_base, shows_banner
):
    settings.STRIPE_API_BASE = api_base

    response = client.get(home_page.url)

    assert response.status_code == 200
    assert (BANNER in response.content.decode()) is shows_banner
