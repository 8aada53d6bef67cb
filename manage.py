#!/usr/bin/env python
import sys

if __name__ == "__main__":
    from website.settings_module import settings_module_choose

    # DJANGO_SETTINGS_MODULE may come from .env; development is the default for commands run by hand.
    settings_module_choose(default="website.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
