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
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
}


STRIPE_OPTIONS = ("STRIPE_API_BASE", "STRIPE_ALLOW_TEST_KEYS")


def import_production_settings(env_overrides, then="from django.conf import settings; print(settings.DEBUG)"):
    """Set Django up with the production settings in a subprocess, then run the Python code `then` there."""
    env = {key: value for key, value in os.environ.items() if key not in {*COMPLETE_ENV, *STRIPE_OPTIONS}}
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


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("STRIPE_SECRET_KEY", "sk_test_abc"),
        ("STRIPE_SECRET_KEY", "rk_test_abc"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_test_abc"),
    ],
)
def test_production_refuses_stripe_test_keys(key, value):
    result = import_production_settings({**COMPLETE_ENV, key: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert key in result.stderr
    assert "STRIPE_ALLOW_TEST_KEYS" in result.stderr


def test_production_shares_one_redis_cache_between_its_processes():
    result = import_production_settings(COMPLETE_ENV, then="from django.conf import settings; print(settings.CACHES)")

    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout and "redis://127.0.0.1:6379/0" in result.stdout


def test_production_takes_test_keys_when_a_staging_site_allows_them():
    env = {**COMPLETE_ENV, "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_PUBLISHABLE_KEY": "pk_test_x"}

    result = import_production_settings({**env, "STRIPE_ALLOW_TEST_KEYS": "true"})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "api_base",
    [
        "http://127.0.0.1:12111",
        "http://api.stripe.com",
        "https://api.stripe.com.evil.example",
        "https://api.stripe.com:8443",
        "https://api.stripe.com/proxy",
        "not a url",
    ],
)
def test_production_refuses_a_stripe_api_base_that_is_not_stripes(api_base):
    allowed_test_keys = {**COMPLETE_ENV, "STRIPE_ALLOW_TEST_KEYS": "true", "STRIPE_API_BASE": api_base}

    result = import_production_settings(allowed_test_keys)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "STRIPE_API_BASE" in result.stderr


@pytest.mark.parametrize("api_base", ["", "https://api.stripe.com", "https://api.stripe.com/"])
def test_production_accepts_stripes_own_api_base(api_base):
    result = import_production_settings({**COMPLETE_ENV, "STRIPE_API_BASE": api_base})

    assert result.returncode == 0, result.stderr


def settings_module_of(entry_point: str, env_file_text: str | None, tmp_path, environment=None):
    """The settings module `entry_point`'s choice makes, with `.env` holding `env_file_text` (None: no .env)."""
    env_file = tmp_path / ".env"
    if env_file_text is not None:
        env_file.write_text(env_file_text)
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(environment or {})
    default = {"manage": "website.settings.dev", "server": "website.settings.production"}[entry_point]
    code = (
        "from pathlib import Path; import website.settings_module as m; "
        f"m.ENV_FILE = Path({str(env_file)!r}); print(m.settings_module_choose(default={default!r}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_manage_py_defaults_to_development_settings(tmp_path):
    assert settings_module_of("manage", None, tmp_path) == "website.settings.dev"


def test_the_servers_default_to_production_settings(tmp_path):
    assert settings_module_of("server", None, tmp_path) == "website.settings.production"


def test_the_servers_honour_the_settings_module_named_in_env_file(tmp_path):
    chosen = settings_module_of("server", "DJANGO_SETTINGS_MODULE=website.settings.dev\n", tmp_path)

    assert chosen == "website.settings.dev"


def test_a_real_environment_variable_wins_over_env_file(tmp_path):
    chosen = settings_module_of(
        "server",
        "DJANGO_SETTINGS_MODULE=website.settings.dev\n",
        tmp_path,
        environment={"DJANGO_SETTINGS_MODULE": "website.settings.test"},
    )

    assert chosen == "website.settings.test"


@pytest.mark.parametrize("module", ["website.wsgi", "website.asgi"])
def test_the_wsgi_and_asgi_applications_load_production_settings_by_default(module, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", *STRIPE_OPTIONS}}
    env.update(COMPLETE_ENV)
    code = (
        "from pathlib import Path; import website.settings_module as m; "
        f"m.ENV_FILE = Path({str(tmp_path / '.env')!r}); import {module}; "
        "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["website.settings.production", "False"]
