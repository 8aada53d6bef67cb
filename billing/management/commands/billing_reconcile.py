from django.core.management.base import BaseCommand, CommandError

from billing.reconciliation import payments_reconcile
from billing.stripe_client import PaymentError


class Command(BaseCommand):
    help = (
        "Ask Stripe which Checkout Sessions were paid lately and fulfil any whose webhook never arrived (exactly "
        "once), then settle abandoned charges. The same code the hourly housekeeping task runs; safe at any time."
    )

    def handle(self, *args, **options):
        try:
            counts = payments_reconcile()
        except PaymentError as error:
            raise CommandError(f"Stripe could not be asked: {error.message}") from error
        self.stdout.write(
            f"{counts['sessions']} completed sessions checked: {counts['fulfilled']} fulfilled now, "
            f"{counts['already_settled']} already settled, {counts['not_ours']} not ours, "
            f"{counts['not_paid']} not paid yet. Abandoned charges: {counts['abandoned_fulfilled']} fulfilled, "
            f"{counts['abandoned_canceled']} canceled, {counts['abandoned_left']} left for the next run."
        )
