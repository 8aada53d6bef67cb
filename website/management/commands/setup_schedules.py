from django.core.management.base import BaseCommand

from website.schedules import SCHEDULES, schedules_sync


class Command(BaseCommand):
    help = (
        "Create or update the housekeeping schedules (django-q2), one per name; safe to run again and from several "
        "machines at once. `make run` runs it before serving. See website/schedules.py."
    )

    def handle(self, *args, **options):
        outcome = schedules_sync()
        timings = {spec.name: spec.timing for spec in SCHEDULES}
        for name, what in outcome.items():
            timing = f" ({timings[name]})" if name in timings else ""
            self.stdout.write(f"{what:>9} {name}{timing}")
