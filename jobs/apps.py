from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from billing import payables
        from jobs import signals  # noqa: F401 - connects the paid hook
        from jobs.models import JobPage

        payables.register(JobPage)
