"""The processes the benchmark measures: gunicorn (2 sync workers, as the issue measured), a private Redis, and the
offline Stripe sandbox for the order stream. Each binds a free loopback port chosen at run time and is stopped by
the runner when it is done (context managers)."""

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
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from django.conf import settings

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(url: str, process: subprocess.Popen, *, host: str = "", timeout: float = 60) -> None:
    """Until `url` answers at all (any HTTP status counts: the server is up), or the process dies."""
    deadline = time.monotonic() + timeout
    request = Request(url, headers={"Host": host} if host else {})  # noqa: S310 - loopback URL built here
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited at start-up (status {process.returncode})")
        try:
            with urlopen(request, timeout=5):  # noqa: S310
                return
        except HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(*, settings_module: str, env: dict, workers: int = 2, probe: str = "/healthz/", host_header: str = ""):
    """gunicorn serving benchmarks.wsgi under `settings_module`; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "benchmarks.wsgi:application",
        "--workers", str(workers), "--bind", f"{HOST}:{port}", "--log-level", "warning",
    ]  # fmt: skip
    environment = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": settings_module}
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment)  # noqa: S603
    try:
        base = f"http://{HOST}:{port}"
        wait_until_up(base + probe, process, host=host_header)
        yield base
    finally:
        _stop(process)


@contextlib.contextmanager
def private_redis():
    """A Redis of the benchmark's own (no persistence, a free port), so flushing it touches nobody else's data;
    yields its URL, or None when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        command = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", directory]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://{HOST}:{port}/0"
        finally:
            _stop(process)


@contextlib.contextmanager
def stripe_sandbox(webhook_secret: str):
    """The offline Stripe sandbox (stripe_sandbox, a development tool) in this process's background thread."""
    # reason: the sandbox is a development package; only the order stream needs it, and only while it runs.
    from stripe_sandbox.runner import SandboxServer

    server = SandboxServer(webhook_secret=webhook_secret).start()
    try:
        yield server
    finally:
        server.stop()


def wrk_path() -> str | None:
    return shutil.which("wrk")


def repo_dir() -> Path:
    return Path(settings.BASE_DIR)
