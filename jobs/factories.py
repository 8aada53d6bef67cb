import factory
import wagtail_factories
from django.utils import timezone
from django.utils.text import slugify

from billing.factories import ChargeFactory
from jobs.models import EmploymentType, JobIndexPage, JobPage
from jobs.services import job_refresh_paid_status


class JobIndexPageFactory(wagtail_factories.PageFactory):
    """Build with parent=home_page; it lives at /jobs/."""

    class Meta:
        model = JobIndexPage

    title = "Jobs"
    slug = "jobs"
    intro = "<p>Jobs at companies we like.</p>"


class JobPageFactory(wagtail_factories.PageFactory):
    """Build with parent=<JobIndexPage>; unpaid until a succeeded charge is recorded for it (see paid_job)."""

    class Meta:
        model = JobPage

    title = factory.Sequence(lambda n: f"Backend developer {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    company = factory.Sequence(lambda n: f"Company {n}")
    location = "Berlin, Germany"
    remote = False
    employment_type = EmploymentType.FULL_TIME
    salary_min = None
    salary_max = None
    salary_currency = "USD"
    description = "<p>Build things with us.</p>"
    how_to_apply = "https://example.com/apply"
    owner = None
    # As publishing sets them; wagtail-factories makes live pages without publishing.
    first_published_at = factory.LazyFunction(timezone.now)
    last_published_at = factory.LazyFunction(timezone.now)


def record_payment(page: JobPage, *, user=None, paid_at=None, amount: int = 4900, currency: str = "usd", **fields):
    """A succeeded billing Charge for `page`, as billing's fulfilment leaves one, then the page's paid hook runs."""
    charge = ChargeFactory(
        payable=page,
        user=user or page.owner,
        amount=amount,
        currency=currency,
        succeeded=True,
        paid_at=paid_at or timezone.now(),
        **fields,
    )
    job_refresh_paid_status(page=page)
    return charge
