from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        # Imported here, not at module level: models and receivers need the app registry ready.
        from billing import payables
        from jobs import receivers  # noqa: F401 - connects the paid hook and billing receivers
        from jobs.models import JobPage

        payables.register(JobPage)
