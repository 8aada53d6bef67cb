from django.core.management.base import BaseCommand

from jobs.reminders import jobs_send_renewal_reminders


class Command(BaseCommand):
    help = (
        "E-mail posters whose listing's paid week ends within the board's reminder days, once per paid week. "
        "The same code the hourly schedule runs; safe at any time."
    )

    def handle(self, *args, **options):
        count = jobs_send_renewal_reminders()
        self.stdout.write(f"{count} renewal reminder{'' if count == 1 else 's'} sent.")
