"""The sandbox is a development tool beside the apps: nothing the site runs may import it, production never installs it.

aiohttp and localstripe are development dependencies only. Only the sandbox itself, the tests, the root
conftest.py (its fixtures) and the benchmark (benchmarks/, a development tool whose order stream pays through the
sandbox) may import `stripe_sandbox`; the dev and test settings name it in INSTALLED_APPS as a
string, which gives `manage.py stripe_sandbox` and imports nothing but its empty package and apps.py.
"""

from pathlib import Path

from tests.imports import references_to
from tests.website.test_settings import COMPLETE_ENV, import_production_settings

REPOSITORY = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", ".git", "var", "node_modules", "__pycache__"}
# The dev and test settings name the app in INSTALLED_APPS, as a string.
ALLOWED = (
    "stripe_sandbox/",
    "tests/",
    "benchmarks/",
    "conftest.py",
    "website/settings/dev.py",
    "website/settings/test.py",
)
PACKAGE = "stripe_sandbox"


def project_python_files():
    for path in sorted(REPOSITORY.rglob("*.py")):
        relative = path.relative_to(REPOSITORY)
        if not SKIPPED_DIRECTORIES.intersection(relative.parts):
            yield relative


def test_the_check_finds_every_kind_of_import():
    source = """
import os
import stripe_sandbox
import json, stripe_sandbox.runner as runner
from stripe_sandbox import testing
from stripe_sandbox.signing import stripe_signature_header


def later():
    from stripe_sandbox.runner import SandboxServer


class Lazy:
    def method(self):
        import importlib

        return importlib.import_module("stripe_sandbox.server"), __import__("stripe_sandbox")


from . import stripe_sandbox  # relative: a module of the same name inside some other package
import stripe_sandboxes
from stripe_sandboxes import x
from billing import stripe_client
"""
    assert references_to(PACKAGE, source) == [3, 4, 5, 6, 10, 17, 17]


def test_no_module_outside_the_sandbox_and_the_tests_imports_it():
    files = list(project_python_files())
    # The walk sees the project: the apps' own code and their function-level imports are in it.
    assert {Path("billing/apps.py"), Path("website/settings/base.py"), Path("manage.py")} <= set(files)

    offenders = [
        f"{path}:{line}"
        for path in files
        if not str(path.as_posix()).startswith(ALLOWED)
        for line in references_to(PACKAGE, (REPOSITORY / path).read_text())
    ]

    assert offenders == []


def test_production_settings_do_not_install_the_sandbox():
    result = import_production_settings(
        COMPLETE_ENV,
        then=(
            "from django.conf import settings; from django.core.management import get_commands; "
            "print(settings.INSTALLED_APPS); print(sorted(get_commands()))"
        ),
    )

    assert result.returncode == 0, result.stderr
    installed_apps, commands = result.stdout.splitlines()
    assert "billing" in installed_apps  # the output is the list asked for
    assert PACKAGE not in installed_apps
    assert "migrate" in commands
    assert PACKAGE not in commands


def test_dev_and_test_settings_install_it_for_its_command(settings):
    from website.settings import dev

    assert PACKAGE in dev.INSTALLED_APPS
    assert PACKAGE in settings.INSTALLED_APPS
