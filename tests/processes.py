"""Real server processes for the multi-process tests (PostgreSQL only): gunicorn, django-q2 clusters, a private
Redis and Varnish, each on a free loopback port chosen at run time and stopped when the test is done.

They read the test database (the transactional test's committed rows) under tests.server_settings.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SETTINGS = "tests.server_settings"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for the processes it starts."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": test_database_url(), **extra}


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start-up (status {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout:.0f} s")


@contextlib.contextmanager
def redis_server():
    """A Redis of the test's own (no persistence), so nothing else's keys are touched; yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="test-redis-") as directory:
        command = [redis_server_path(), "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        process = subprocess.Popen([*command, "--dir", directory], stdout=subprocess.DEVNULL)  # noqa: S603
        try:
            _wait_for_port(port, process, "redis-server", timeout=10)
            yield f"redis://{HOST}:{port}/0"
        finally:
            _stop(process)


@contextlib.contextmanager
def gunicorn(*, workers: int = 1, env: dict[str, str] | None = None):
    """gunicorn serving the product (website.wsgi) under tests.server_settings; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "website.wsgi:application", "--workers", str(workers),
        "--bind", f"{HOST}:{port}", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=_environment(env or {}))  # noqa: S603
    try:
        _wait_for_port(port, process, "gunicorn")
        base = f"http://{HOST}:{port}"
        deadline = time.monotonic() + 60
        while requests.get(f"{base}/healthz/", timeout=30).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn's /healthz/ never answered 200")
            time.sleep(0.2)
        yield base
    finally:
        _stop(process)


@contextlib.contextmanager
def qcluster(*, env: dict[str, str]):
    """One django-q2 cluster (`manage.py qcluster`) under tests.server_settings."""
    command = [sys.executable, "manage.py", "qcluster"]
    process = subprocess.Popen(command, cwd=REPO, env=_environment(env))  # noqa: S603
    try:
        yield process
    finally:
        _stop(process)


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


def varnishd_path() -> str | None:
    return shutil.which("varnishd") or next(
        (path for path in ("/usr/sbin/varnishd", "/usr/local/sbin/varnishd") if os.access(path, os.X_OK)), None
    )


@contextlib.contextmanager
def varnish(*, backend: str, vcl: Path):
    """varnishd with `vcl`, its backend pointed at `backend` (http://127.0.0.1:PORT); yields its base URL."""
    backend_port = backend.rsplit(":", 1)[1]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="test-varnish-") as directory:
        config = Path(directory) / "varnish.vcl"
        text = vcl.read_text()
        if '.port = "8000";' not in text:
            raise RuntimeError("the VCL no longer names its backend as the test expects")
        config.write_text(text.replace('.port = "8000";', f'.port = "{backend_port}";'))
        # varnishd's unprivileged child reads the compiled VCL from its work directory.
        os.chmod(directory, 0o755)  # noqa: S103
        command = [
            varnishd_path(), "-F", "-a", f"{HOST}:{port}", "-f", str(config), "-s", "malloc,32m",
            "-n", str(Path(directory) / "work"), "-p", "default_ttl=120",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        try:
            _wait_for_port(port, process, "varnishd", timeout=30)
            yield f"http://{HOST}:{port}"
        finally:
            _stop(process)
