"""`python -m benchmarks [options]` (what `make bench` runs): the benchmark, always under benchmarks.settings.

The settings module is set here, whatever the environment or .env says, so the benchmark never runs with the
product's settings; the worker processes and gunicorn it starts inherit it.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from benchmarks.command import Command

    # As manage.py runs a command: options parsed, system checks, CommandError printed and exit 1.
    Command().run_from_argv(["python -m", "benchmarks", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
