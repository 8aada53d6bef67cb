"""`make audit`: Lighthouse on the public pages, served as in production, with the scores issue 18 asks for.

The site runs under website.settings.production (DEBUG off, gunicorn, whitenoise's hashed static files, Redis as
the page cache) against a demo database of its own in var/audit/, built with the development settings (production
refuses to seed a demo with published passwords). Lighthouse, pinned in audits/package.json, drives Debian's
Chromium; nothing is downloaded but the npm package.

Prints a table of scores per page and form factor, the audits that cost points, and exits 1 when a category is
below its target: 100 for accessibility, best practices and SEO, 95 for performance.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
AUDIT_DIR = Path(__file__).resolve().parent
WORK_DIR = BASE_DIR / "var" / "audit"
LIGHTHOUSE = AUDIT_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
HOST = "127.0.0.1"

TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
FORM_FACTORS = ("mobile", "desktop")
ATTEMPTS = 3
# Chromium as the project's browser tests start it: without the background-networking flags it keeps calling hosts
# this closed network refuses.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --disable-dev-shm-usage"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def chromium_path() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        sys.exit("Chromium is missing: apt-get install -y chromium (the audit never downloads a browser).")
    return path


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    if shutil.which("npm") is None:
        sys.exit("npm is missing: Lighthouse is installed from audits/package-lock.json with `npm ci`.")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AUDIT_DIR)], check=True)  # noqa: S603, S607 - fixed arguments


def production_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """What a production host sets, with the sandbox's test keys allowed as for a staging site and no TLS in front
    (Lighthouse reads plain http on loopback)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "website.settings.production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_MEDIA_ROOT": str(WORK_DIR / "media"),
        "STRIPE_SECRET_KEY": "sk_test_audit",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_audit",
        "STRIPE_WEBHOOK_SECRET": "whsec_audit",
        "STRIPE_ALLOW_TEST_KEYS": "true",
        "STRIPE_API_BASE": "",
    }


def manage(*args: str, env: dict[str, str]) -> None:
    """A management command, quietly: its output (the demo logs every page it makes) shows only if it fails."""
    finished = subprocess.run(  # noqa: S603 - this project's own manage.py
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if finished.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{finished.stdout}{finished.stderr}")


def build_site(database_url: str, production_env: dict[str, str]) -> None:
    """A fresh demo database and the hashed static files, as a deploy would leave them."""
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    WORK_DIR.mkdir(parents=True)
    development = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "website.settings.dev",
        "DATABASE_URL": database_url,
        "DJANGO_MEDIA_ROOT": str(WORK_DIR / "media"),
        "REDIS_URL": "",
    }
    for command in (["migrate", "--noinput"], ["setup_site"], ["seed_demo"]):
        manage(*command, env=development)
    manage("collectstatic", "--noinput", env=production_env)


@contextlib.contextmanager
def gunicorn(env: dict[str, str]):
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "website.wsgi:application",
        "--workers", "2", "--bind", f"{HOST}:{port}", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn exited at start-up (status {process.returncode})")
            try:
                with urlopen(base + "/healthz/", timeout=5):  # noqa: S310 - loopback URL built here
                    break
            except HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"{base} did not answer within 60 s")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


# The first product and the first paid job, read from the audit's own database the way the site lists them.
DETAIL_PAGES = """
from django.utils import timezone
from jobs.models import JobPage
from shop.models import ProductPage
product = ProductPage.objects.live().public().order_by("path").first()
job = JobPage.objects.on_board(timezone.now()).first()
print(product.get_url(), job.get_url())
"""


def pages(env: dict[str, str]) -> list[tuple[str, str]]:
    found = subprocess.run(  # noqa: S603 - this project's own manage.py
        [sys.executable, "manage.py", "shell", "-c", DETAIL_PAGES],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    product, job = found.stdout.split()[-2:]  # after the shell's own line on what it imported
    return [("home", "/"), ("shop", "/shop/"), ("product", product), ("jobs", "/jobs/"), ("job", job)]


def run_lighthouse(url: str, form_factor: str, chrome: str, out: Path) -> dict:
    command = [
        "node", str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={out}", "--quiet",
        f"--chrome-path={chrome}", f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]  # fmt: skip
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for attempt in range(1, ATTEMPTS + 1):
        # Lighthouse sometimes loses its trace on a busy machine (NO_NAVSTART, "run Lighthouse again"): it says so
        # and exits 1, and a second run measures the page.
        finished = subprocess.run(command, check=False, env={**os.environ, "CHROME_PATH": chrome})  # noqa: S603
        if finished.returncode == 0:
            return json.loads(out.read_text())
        print(f"Lighthouse failed on {url} ({form_factor}), attempt {attempt} of {ATTEMPTS}", flush=True)
    sys.exit(f"Lighthouse could not audit {url} ({form_factor})")


def scores(report: dict) -> dict[str, int]:
    return {key: round((report["categories"][key]["score"] or 0) * 100) for key in TARGETS}


def lost_points(report: dict, category: str) -> list[str]:
    """The weighted audits of a category that did not pass, with what Lighthouse says of them."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            value = audit.get("displayValue") or ""
            lines.append(f"    {category}: {ref['id']} ({audit['score']:.2f}) {audit['title']} {value}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audits", description=__doc__.split("\n\n")[0])
    parser.add_argument("--form-factor", choices=FORM_FACTORS, action="append", help="mobile, desktop or both")
    parser.add_argument("--keep", action="store_true", help="keep the JSON reports in var/audit/reports/")
    options = parser.parse_args(argv)
    form_factors = options.form_factor or list(FORM_FACTORS)

    ensure_lighthouse()
    chrome = chromium_path()
    database_url = f"sqlite:///{WORK_DIR / 'db.sqlite3'}"
    redis_url = os.environ.get("AUDIT_REDIS_URL", "redis://127.0.0.1:6379/13")
    production_env = production_environment(database_url, redis_url)
    print("== building the demo site in var/audit/ (fresh database, collectstatic)", flush=True)
    build_site(database_url, production_env)
    subprocess.run(  # noqa: S603 - the audit's own Redis database: last run's cached pages must not be audited
        [sys.executable, "-c", f"import redis; redis.Redis.from_url({redis_url!r}).flushdb()"], check=True
    )

    misses: list[str] = []
    rows: list[tuple[str, str, dict[str, int]]] = []
    reports_dir = WORK_DIR / "reports" if options.keep else Path(tempfile.mkdtemp(prefix="audit-"))
    reports_dir.mkdir(parents=True, exist_ok=True)
    with gunicorn(production_env) as base:
        for name, path in pages(production_env):
            for form_factor in form_factors:
                # Once unaudited first: the page cache and renditions are warm, as for every visitor but the first.
                with contextlib.suppress(OSError), urlopen(base + path, timeout=30):  # noqa: S310
                    pass
                report = run_lighthouse(base + path, form_factor, chrome, reports_dir / f"{name}-{form_factor}.json")
                result = scores(report)
                rows.append((f"{name} {path}", form_factor, result))
                print(f"{name:8} {form_factor:8} " + " ".join(f"{k} {v:3}" for k, v in result.items()), flush=True)
                for category, target in TARGETS.items():
                    if result[category] < target:
                        misses.append(f"{name} ({path}) {form_factor}: {category} {result[category]} < {target}")
                        misses.extend(lost_points(report, category))
    if not options.keep:
        shutil.rmtree(reports_dir, ignore_errors=True)

    print()
    print("| page | form factor | " + " | ".join(TARGETS) + " |")
    print("|---|---|" + "---:|" * len(TARGETS))
    for page, form_factor, result in rows:
        print(f"| {page} | {form_factor} | " + " | ".join(str(result[key]) for key in TARGETS) + " |")
    if misses:
        print("\nMissed:\n" + "\n".join(misses))
        return 1
    print("\nEvery page met its targets.")
    return 0
