"""The benchmark (benchmarks/) stays out of the product: no product code imports it, no product settings load its
templates or urls, `manage.py bench` does not exist, and it drops or fills only its own database."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from benchmarks import command as bench
from tests.imports import names_package, references_to
from tests.website.test_settings import COMPLETE_ENV, import_production_settings

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO / "benchmarks"
PRODUCT_PACKAGES = ["website", "shop", "jobs", "billing"]
FLOOR_TEMPLATE = "benchmarks/floor_home.html"
ONLY_UNDER_ITS_SETTINGS = re.escape("only under benchmarks.settings")


def _run(args, env_overrides, timeout=120):
    env = {**os.environ, **env_overrides}
    return subprocess.run(  # noqa: S603 - this interpreter with the test's own arguments
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _names_benchmarks(module: str | None) -> bool:
    return names_package(module, "benchmarks")


# --- manage.py bench is gone ----------------------------------------------------------------------------------------
def test_manage_py_bench_is_unknown_under_the_test_settings():
    assert "bench" not in get_commands()
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("bench")


@pytest.mark.parametrize("settings_module", ["website.settings.dev", "benchmarks.settings"])
def test_manage_py_bench_is_unknown_under_any_settings(settings_module):
    result = _run(["manage.py", "help", "bench"], {"DJANGO_SETTINGS_MODULE": settings_module})

    assert result.returncode != 0
    assert "Unknown command: 'bench'" in result.stderr


# --- the product never imports it -----------------------------------------------------------------------------------
def _imports_of_benchmarks(path: Path) -> list[str]:
    return [f"{path}:{line}" for line in references_to("benchmarks", path.read_text())]


def test_no_product_module_imports_benchmarks():
    files = [path for package in PRODUCT_PACKAGES for path in sorted((REPO / package).rglob("*.py"))]
    assert len(files) > 50  # the scan really covers the product

    found = [hit for path in files for hit in _imports_of_benchmarks(path)]

    assert found == []


def test_the_scan_sees_function_level_imports(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def view():\n    from benchmarks.runner import Case\n    import benchmarks.data\n"
        "    return 'benchmarks.urls'\nfrom benchmarks import floors\nfrom . import benchmarks\n"
    )

    assert len(_imports_of_benchmarks(module)) == 4  # not the relative import of a sibling named benchmarks


# --- no product settings reach its templates, apps or urls ----------------------------------------------------------
REACH = """
import json
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
try:
    get_template("benchmarks/floor_home.html")
    found = True
except TemplateDoesNotExist:
    found = False
print(json.dumps({
    "dirs": [str(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])],
    "apps": [app.name for app in apps.get_app_configs()],
    "app_paths": [str(app.path) for app in apps.get_app_configs()],
    "urlconf": settings.ROOT_URLCONF,
    "template_found": found,
    "bench_command": "bench" in get_commands(),
}))
"""


def _assert_out_of_reach(reach: dict) -> None:
    assert reach["dirs"]  # the product's own template directory is there
    assert not [d for d in reach["dirs"] if Path(d).resolve().is_relative_to(BENCHMARKS)]
    assert not [name for name in reach["apps"] if _names_benchmarks(name)]
    assert not [p for p in reach["app_paths"] if Path(p).resolve().is_relative_to(BENCHMARKS)]
    assert not _names_benchmarks(reach["urlconf"])
    assert reach["template_found"] is False
    assert reach["bench_command"] is False


def test_production_settings_do_not_reach_the_benchmark():
    result = import_production_settings(COMPLETE_ENV, then=REACH)

    assert result.returncode == 0, result.stderr
    _assert_out_of_reach(json.loads(result.stdout))


def test_test_settings_do_not_reach_the_benchmark(settings):
    from django.apps import apps

    with pytest.raises(TemplateDoesNotExist):
        get_template(FLOOR_TEMPLATE)
    _assert_out_of_reach(
        {
            "dirs": [str(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])],
            "apps": [app.name for app in apps.get_app_configs()],
            "app_paths": [str(app.path) for app in apps.get_app_configs()],
            "urlconf": settings.ROOT_URLCONF,
            "template_found": False,
            "bench_command": "bench" in get_commands(),
        }
    )


def test_the_benchmark_settings_do_load_the_floor_templates():
    """The other side of the checks above: under its own settings the floors render."""
    result = _run(["-c", REACH], {"DJANGO_SETTINGS_MODULE": "benchmarks.settings"})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["template_found"] is True


# --- it drops and fills only its own database -----------------------------------------------------------------------
NOT_THE_BENCHMARKS = [
    "",
    pytest.param("postgres", id="maintenance-db"),  # (an id without "postgres": conftest skips those on SQLite)
    "website",
    "test_website",
    "wt_perf_benchmark",
    "wt_perf_bench;",
    "WT_PERF_BENCH",
]


@pytest.mark.parametrize("name", NOT_THE_BENCHMARKS)
def test_the_drop_guard_refuses_a_database_not_the_benchmarks(name):
    with pytest.raises(CommandError, match=f"refusing to drop '{name}'.*its own database, wt_perf_bench"):
        bench.check_may_drop(name)


def test_the_drop_guard_refuses_the_benchmarks_name_outside_its_settings():
    with pytest.raises(CommandError, match=ONLY_UNDER_ITS_SETTINGS):
        bench.check_may_drop("wt_perf_bench")


def test_dropping_goes_through_the_guard_before_any_connection(monkeypatch):
    def connect(*args, **kwargs):
        raise AssertionError("connected to PostgreSQL past the guard")

    monkeypatch.setattr(psycopg, "connect", connect)
    with pytest.raises(CommandError, match="refusing to drop 'website'"):
        bench.Command()._fresh_postgres("postgres://postgres@127.0.0.1:5432/website")
    with pytest.raises(CommandError, match=ONLY_UNDER_ITS_SETTINGS):
        bench.Command()._fresh_postgres("postgres://postgres@127.0.0.1:5432/wt_perf_bench")
    with pytest.raises(CommandError, match=ONLY_UNDER_ITS_SETTINGS):
        bench.Command()._fresh_sqlite()


def test_the_workers_refuse_outside_the_benchmark_settings():
    with pytest.raises(CommandError, match=ONLY_UNDER_ITS_SETTINGS):
        bench.require_benchmark_database()


def test_python_m_benchmarks_refuses_to_drop_another_database():
    """End to end under the benchmark's own settings (forced, whatever the environment says)."""
    result = _run(
        ["-m", "benchmarks", "--backends", "postgres", "--postgres-url", "postgres://postgres@127.0.0.1:1/website"],
        {"DJANGO_SETTINGS_MODULE": "website.settings.dev"},
    )

    assert result.returncode == 1
    assert "refusing to drop 'website'" in result.stderr


@pytest.mark.parametrize("mode", [["--worker"], ["--purge-probe", "sql"]])
def test_a_worker_refuses_a_database_the_benchmark_did_not_create(tmp_path, mode):
    database = tmp_path / "not-the-benchmarks.sqlite3"

    result = _run(["-m", "benchmarks", *mode], {"DATABASE_URL": f"sqlite:///{database}"})

    assert result.returncode == 1
    assert "refusing to run against" in result.stderr
    assert not database.exists()  # neither migrated nor emptied
