from django.core.management.base import BaseCommand, CommandError

from website.site_setup import SiteSetupError, site_setup


class Command(BaseCommand):
    help = (
        "Create what every site needs after migrate: the shop and job board pages and the 'Job posters' group. "
        "Idempotent; `make run` and each production deploy run it. See website/site_setup.py."
    )

    def handle(self, *args, **options):
        try:
            report = site_setup()
        except SiteSetupError as error:
            raise CommandError(str(error)) from None
        for line in report:
            self.stdout.write(line)
