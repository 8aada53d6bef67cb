from django.core.management.base import BaseCommand

from billing.services.housekeeping import charges_close_abandoned


class Command(BaseCommand):
    help = "Settle pending charges whose Checkout has expired (or was paid) when their webhook never arrived."

    def handle(self, *args, **options):
        counts = charges_close_abandoned()
        self.stdout.write(
            f"{counts['fulfilled']} fulfilled, {counts['canceled']} canceled, {counts['left']} left for the next run."
        )
