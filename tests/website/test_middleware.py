"""Security headers on every response: the Content-Security-Policy (strict on the site, Wagtail's allowances on its
admin only), Permissions-Policy, Referrer-Policy and Cross-Origin-Opener-Policy."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_site_pages_get_a_strict_policy_with_no_inline_allowance(client, home_page):
    response = client.get("/")

    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    # No page inlines a script, so none asks for a nonce (django-csp adds one only when a template uses it).
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_forms_may_lead_only_to_the_site_stripe_checkout_and_the_enabled_sign_in_providers(client, settings, home_page):
    settings.STRIPE_API_BASE = ""
    assert policy(client.get("/"))["form-action"] == [
        "'self'",
        "https://checkout.stripe.com",
        "https://github.com",
        "https://accounts.google.com",
    ]

    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert policy(client.get("/"))["form-action"] == ["'self'", "https://checkout.stripe.com"]


def test_checkout_may_lead_to_the_sandbox_standing_in_for_stripe(client, settings, home_page):
    settings.STRIPE_API_BASE = "http://127.0.0.1:40123"

    assert "http://127.0.0.1:40123" in policy(client.get("/"))["form-action"]


def test_the_wagtail_admin_gets_its_inline_allowances_and_nothing_else_does(client, admin_user, home_page):
    client.force_login(admin_user)

    admin = policy(client.get("/admin/"))
    site = policy(client.get("/"))

    assert admin["script-src"] == ["'self'", "'unsafe-inline'"]
    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]
    assert admin["img-src"] == ["'self'", "data:", "blob:"]
    assert admin["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(site["script-src"] + site["style-src"])


def test_the_admin_sign_in_page_keeps_the_strict_policy(client):
    directives = policy(client.get("/admin/login/"))

    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/healthz/", "/no-such-page/"])
def test_every_response_carries_the_other_security_headers(client, home_page, path):
    response = client.get(path)

    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    assert "Content-Security-Policy" in response


# A <script> that runs (no src, and a JavaScript type or none): JSON and JSON-LD data blocks never execute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_no_template_inlines_a_script_a_style_or_an_event_handler(template):
    source = template.read_text()

    assert not INLINE_SCRIPT.search(source), "move the script into a static file under static/"
    assert not INLINE_STYLE.search(source), "move the style or handler into static/css or a static script"
