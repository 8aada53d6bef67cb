import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# The order matters: later apps build on what earlier ones seeded (users, then products and jobs).
SEEDED_APPS = ["website", "billing", "shop", "jobs"]


class Command(BaseCommand):
    help = "Create the demo content and sign-ins. Idempotent: running it again changes nothing."

    def handle(self, *args, **options):
        if not settings.SEED_DEMO_ALLOWED:
            # The demo creates an administrator with a published password (admin / admin-demo-pass).
            raise CommandError(
                "seed_demo refuses to run under production settings: it creates sign-ins whose passwords are public. "
                "Run `manage.py setup_site` for the pages and groups a real site needs."
            )
        for app in SEEDED_APPS:
            module_name = f"{app}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
