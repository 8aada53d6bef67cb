"""Which settings a process runs under, chosen one way by every entry point (manage.py, wsgi.py, asgi.py).

A real DJANGO_SETTINGS_MODULE wins, then the one in `.env` at the repository root, then the entry point's default:
production for the servers (gunicorn, uvicorn), development for manage.py. The servers must never fall back to
development settings, where `check --deploy` would have passed against settings they do not use.
"""

import os
from pathlib import Path

import environ

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def settings_module_choose(*, default: str) -> str:
    # The whole .env is read here, before Django starts, because it may name the settings module itself; real
    # environment variables are never overwritten by it.
    environ.Env.read_env(ENV_FILE, overwrite=False)
    return os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
