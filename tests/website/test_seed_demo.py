import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
