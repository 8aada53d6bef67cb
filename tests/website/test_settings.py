"""Production settings must refuse to start without their secrets, naming what is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

COMPLETE_ENV = {
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "STRIPE_SECRET_KEY": "sk_test_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
}


def import_production_settings(env_overrides, then="from django.conf import settings; print(settings.DEBUG)"):
    """Set Django up with the production settings in a subprocess, then run the Python code `then` there."""
    env = {key: value for key, value in os.environ.items() if key not in COMPLETE_ENV}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "website.settings.production"
    # A subprocess, so a broken import cannot leak half-loaded settings into this test run.
    return subprocess.run(  # noqa: S603 - our own interpreter; `then` is code written in the tests
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_starts_with_every_required_variable():
    result = import_production_settings(COMPLETE_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", sorted(COMPLETE_ENV))
def test_production_refuses_to_start_without(missing):
    env = {key: value for key, value in COMPLETE_ENV.items() if key != missing}

    result = import_production_settings(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_shares_one_redis_cache_between_its_processes():
    result = import_production_settings(COMPLETE_ENV, then="from django.conf import settings; print(settings.CACHES)")

    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout and "redis://127.0.0.1:6379/0" in result.stdout


def test_dev_is_the_default_settings_module():
    manage = (REPO / "manage.py").read_text()
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "website.settings.dev")' in manage


def test_test_settings_are_fast_and_in_memory(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")
    assert settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")
    assert settings.Q_CLUSTER["sync"] is True


def test_a_copy_of_env_example_runs_the_development_site(tmp_path):
    """`cp .env.example .env` is the documented first step: every value in it, empty ones too, must load."""
    values = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    env = {key: value for key, value in os.environ.items() if key not in values}
    env.update(values)
    env["DJANGO_SETTINGS_MODULE"] = "website.settings.dev"

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
