"""accounts.client_ip: X-Forwarded-For is believed only from DJANGO_TRUSTED_PROXIES, read from the right."""

import pytest
from django.test import RequestFactory

from accounts.client_ip import client_ip


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.DJANGO_TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged leftmost hop is skipped
        ("198.51.100.1, 10.0.0.7", "198.51.100.1"),  # a second trusted proxy is walked past
        ("", "10.0.0.2"),
        ("not-an-ip", "10.0.0.2"),
    ],
)
def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client(settings, forwarded, client):
    settings.DJANGO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.0.2", forwarded)) == client


def test_a_request_from_an_untrusted_address_keeps_it_whatever_the_header_says(settings):
    settings.DJANGO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("203.0.113.5", "10.0.0.9")) == "203.0.113.5"
