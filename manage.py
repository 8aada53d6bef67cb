#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    import environ

    # DJANGO_SETTINGS_MODULE may come from .env, so read it before choosing the settings.
    environ.Env.read_env(Path(__file__).resolve().parent / ".env")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
