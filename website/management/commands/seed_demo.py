import importlib
import importlib.util

from django.core.management.base import BaseCommand
from django.db import transaction

# The order matters: later apps build on what earlier ones seeded (users, then products and jobs).
SEEDED_APPS = ["website", "billing", "shop", "jobs"]


class Command(BaseCommand):
    help = "Create the demo content and sign-ins. Idempotent: running it again changes nothing."

    def handle(self, *args, **options):
        for app in SEEDED_APPS:
            module_name = f"{app}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
