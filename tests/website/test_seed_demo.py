import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_creates_admin_and_editor_sign_ins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    User = get_user_model()
    admin = User.objects.get(username="admin")
    editor = User.objects.get(username="editor")
    assert admin.is_superuser and admin.check_password("admin-demo-pass")
    assert editor.groups.filter(name="Editors").exists() and editor.has_perm("wagtailadmin.access_admin")
    # The demo editor publishes products (Moderators) and refunds orders (granted to Editors).
    assert editor.groups.filter(name="Moderators").exists()
    assert editor.has_perm("shop.refund_order")
    assert "admin-demo-pass" in out.getvalue()


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    before = _counts()
    User = get_user_model()
    passwords = dict(User.objects.values_list("username", "password"))

    call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_seed_demo_refuses_when_the_settings_forbid_demo_content(settings):
    settings.SEED_DEMO_ALLOWED = False
    before = _counts()

    with pytest.raises(CommandError, match="refuses to run under production settings"):
        call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == before


def test_seed_demo_refuses_under_the_production_settings(tmp_path):
    """The real production settings, in their own process, against a database the command must not touch."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "STRIPE_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "website.settings.production",
            "DJANGO_SECRET_KEY": "s" * 64,
            "DJANGO_ALLOWED_HOSTS": "shop.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
            "STRIPE_SECRET_KEY": "sk_live_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "seed_demo refuses to run under production settings" in result.stderr
    assert "admin-demo-pass" not in result.stdout


def test_seed_demo_builds_the_home_page_the_shops_pages_and_the_footer(client):
    from website.models import HomePage, SiteBranding, StandardPage

    call_command("setup_site", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    home = HomePage.objects.get()
    assert [block.block_type for block in home.body] == ["hero", "featured_products", "latest_jobs", "rich_text"]
    hero = home.body[0].value["image"]
    assert (hero.width, hero.height) == (1600, 700)
    assert sorted(StandardPage.objects.live().values_list("slug", flat=True)) == [
        "privacy",
        "returns",
        "shipping",
        "terms",
    ]
    branding = SiteBranding.load()
    assert branding.contact_email and branding.contact_address
    assert [link.value.text() for link in branding.footer_links] == ["Shipping", "Returns", "Privacy", "Terms"]
    html = client.get("/").content.decode()
    assert "Latest jobs" in html and "New in the shop" in html
    for slug in ("shipping", "returns", "privacy", "terms"):
        assert client.get(f"/{slug}/").status_code == 200
