"""`gunicorn website.wsgi` with a production `.env` serves production settings: the HTTPS redirect and HSTS."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]

PRODUCTION_ENV_FILE = """\
DJANGO_SETTINGS_MODULE=website.settings.production
DJANGO_SECRET_KEY={secret}
DJANGO_ALLOWED_HOSTS=shop.example.com
DATABASE_URL=sqlite:///{database}
STRIPE_SECRET_KEY=sk_live_gunicorn_test
STRIPE_PUBLISHABLE_KEY=pk_live_gunicorn_test
STRIPE_WEBHOOK_SECRET=whsec_gunicorn_test
REDIS_URL=redis://127.0.0.1:6379/0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def project_with_production_env_file(tmp_path):
    """A copy of the project whose `.env` names production settings. The `website` package is copied (the `.env`
    is found beside it); everything else is linked, so the real checkout's `.env` is never touched."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(REPO / "website", root / "website", ignore=shutil.ignore_patterns("__pycache__"))
    for entry in REPO.iterdir():
        if entry.name not in {"website", ".env", ".git", ".venv", "var"}:
            (root / entry.name).symlink_to(entry)
    (root / ".env").write_text(PRODUCTION_ENV_FILE.format(secret="s" * 64, database=tmp_path / "db.sqlite3"))
    return root


def test_gunicorn_serves_the_production_settings_named_in_env_file(project_with_production_env_file, tmp_path):
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    # Nothing in the process environment chooses the settings: only the `.env` may.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "STRIPE_", "DATABASE_"))}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter running gunicorn
        [
            sys.executable,
            "-m",
            "gunicorn",
            "website.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
        ],
        cwd=project_with_production_env_file,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz/"
        deadline = time.monotonic() + 60
        while True:
            try:
                # The worker loads Django on its first request: slow on a busy machine.
                plain = requests.get(url, headers={"Host": "shop.example.com"}, allow_redirects=False, timeout=60)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()}")
                time.sleep(0.2)
        secure = requests.get(
            url, headers={"Host": "shop.example.com", "X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=60
        )
    finally:
        # SIGINT: gunicorn's quick shutdown (SIGTERM waits out the graceful timeout).
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://shop.example.com/healthz/"
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
