from django.core.management.base import BaseCommand

from jobs.services import jobs_end_expired_weeks


class Command(BaseCommand):
    help = (
        "Save every job listing whose stored paid flag is out of step with its paid week (mostly: the week has "
        "ended), so the flag follows the ledger. The same code the hourly housekeeping task runs; safe at any time."
    )

    def handle(self, *args, **options):
        count = jobs_end_expired_weeks()
        self.stdout.write(f"{count} listing{'' if count == 1 else 's'} brought in step with the ledger.")
