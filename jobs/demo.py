"""Demo content for the job board: the board, the "Job posters" group, a poster and a dozen listings.

Most listings are paid through recorded succeeded billing charges (no Stripe calls), three are unpaid and
one's paid week has ended. Idempotent: listings are keyed on their slug, so a second run changes nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import Site

from billing.factories import ChargeFactory
from jobs.models import EmploymentType, JobBoardSettings, JobIndexPage, JobPage
from jobs.services import job_refresh_paid_status

POSTERS_GROUP = "Job posters"
POSTER = ("poster", "poster-demo-pass", "job poster (posts and pays for listings at /jobs/new/)")

# slug, title, company, location, remote, type, salary (min, max minor units, currency, period), tags,
# hours since last payment (None: never paid)
DEMO_JOBS = [
    (
        "senior-django-developer",
        "Senior Django developer",
        "Northwind Labs",
        "Berlin, Germany",
        False,
        EmploymentType.FULL_TIME,
        (8000000, 9500000, "EUR", "YEAR"),
        ["python", "django", "senior"],
        2,
    ),
    (
        "wagtail-developer-remote",
        "Wagtail developer",
        "Torch & Co",
        "Europe",
        True,
        EmploymentType.CONTRACTOR,
        (50000, 65000, "GBP", "DAY"),
        ["python", "wagtail"],
        5,
    ),
    (
        "frontend-engineer",
        "Frontend engineer",
        "Paper Planes",
        "London, United Kingdom",
        False,
        EmploymentType.FULL_TIME,
        (6000000, 7500000, "GBP", "YEAR"),
        ["javascript", "css"],
        12,
    ),
    (
        "data-engineer",
        "Data engineer",
        "Lakeside Analytics",
        "Anywhere",
        True,
        EmploymentType.FULL_TIME,
        (13000000, 16000000, "USD", "YEAR"),
        ["python", "sql"],
        20,
    ),
    (
        "site-reliability-engineer",
        "Site reliability engineer",
        "Cloudberry",
        "Toronto, Canada",
        False,
        EmploymentType.FULL_TIME,
        None,
        ["devops", "kubernetes"],
        30,
    ),
    (
        "part-time-support-engineer",
        "Part-time support engineer",
        "Helpful Inc",
        "North America",
        True,
        EmploymentType.PART_TIME,
        (3500, 4500, "USD", "HOUR"),
        ["support"],
        44,
    ),
    (
        "summer-intern-backend",
        "Summer intern, backend",
        "Northwind Labs",
        "Munich, Germany",
        False,
        EmploymentType.INTERN,
        (200000, 200000, "EUR", "MONTH"),
        ["python", "internship"],
        60,
    ),
    (
        "technical-writer",
        "Technical writer",
        "Docsmith",
        "Anywhere",
        True,
        EmploymentType.CONTRACTOR,
        None,
        ["writing", "docs"],
        90,
    ),
    (
        "product-designer",
        "Product designer",
        "Paper Planes",
        "Lisbon, Portugal",
        False,
        EmploymentType.TEMPORARY,
        None,
        ["design"],
        150,
    ),
    # A week that has ended: paid eight days ago.
    (
        "ios-developer",
        "iOS developer",
        "Appletree Mobile",
        "Tokyo, Japan",
        False,
        EmploymentType.FULL_TIME,
        (700000000, 900000000, "JPY", "YEAR"),
        ["swift", "ios"],
        24 * 8,
    ),
    # Posted but never paid.
    (
        "qa-engineer",
        "QA engineer",
        "Bugfree GmbH",
        "Vienna, Austria",
        False,
        EmploymentType.FULL_TIME,
        None,
        ["testing"],
        None,
    ),
    (
        "machine-learning-engineer",
        "Machine learning engineer",
        "Lakeside Analytics",
        "Anywhere",
        True,
        EmploymentType.FULL_TIME,
        (15000000, 19000000, "USD", "YEAR"),
        ["python", "ml"],
        None,
    ),
    (
        "office-manager",
        "Office manager",
        "Cloudberry",
        "Toronto, Canada",
        False,
        EmploymentType.PART_TIME,
        None,
        ["operations"],
        None,
    ),
]


def seed_posters(stdout):
    group, _ = Group.objects.get_or_create(name=POSTERS_GROUP)
    permission = Permission.objects.get(content_type__app_label="jobs", codename="post_job")
    group.permissions.add(permission)
    username, password, role = POSTER
    User = get_user_model()
    poster, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com", "first_name": "Pat", "last_name": "Poster"}
    )
    if created:
        poster.set_password(password)
        poster.save(update_fields=["password"])
        poster.groups.add(group)
    stdout.write(f"  {username:<10} / {password:<18} {role}{'' if created else ' (already there)'}")
    return poster


def seed_index(stdout) -> JobIndexPage:
    index = JobIndexPage.objects.first()
    if index is not None:
        stdout.write(f"  job board at {index.url} (already there)")
        return index
    home = Site.objects.get(is_default_site=True).root_page
    index = JobIndexPage(title="Jobs", slug="jobs", intro="<p>Jobs at companies we like. Post yours for a week.</p>")
    home.add_child(instance=index)
    index.save_revision().publish()
    stdout.write("  job board at /jobs/")
    return index


def seed(stdout):
    stdout.write("Job board demo content:")
    poster = seed_posters(stdout)
    index = seed_index(stdout)
    price = JobBoardSettings.current()
    now = timezone.now()
    created = 0
    for slug, title, company, location, remote, kind, salary, tags, paid_hours_ago in DEMO_JOBS:
        if JobPage.objects.filter(slug=slug).exists():
            continue
        low, high, currency, period = salary or (None, None, "USD", "YEAR")
        page = JobPage(
            title=title,
            slug=slug,
            owner=poster,
            company=company,
            location=location,
            remote=remote,
            employment_type=kind,
            salary_min=low,
            salary_max=high,
            salary_currency=currency,
            salary_period=period,
            description=(
                f"<p>{company} is hiring: {title}. You will work with a small, friendly team "
                "and ship to production in your first week.</p><p>Tell us what you have built.</p>"
            ),
            how_to_apply=f"jobs@{company.split()[0].lower()}.example.com",
        )
        index.add_child(instance=page)
        page.tags.set(tags)
        page.save_revision(user=poster).publish(user=poster, skip_permission_checks=True)
        if paid_hours_ago is not None:
            paid_at = now - timedelta(hours=paid_hours_ago)
            ChargeFactory(
                payable=page,
                user=poster,
                amount=price.price_amount,
                currency=price.price_currency.lower(),
                succeeded=True,
                created_at=paid_at,
                paid_at=paid_at,
                card_brand="visa",
                card_last4="4242",
            )
            job_refresh_paid_status(page=page)
        created += 1
    on_board = JobPage.objects.on_board(now).count()
    stdout.write(
        f"  {created} listings created, {len(DEMO_JOBS) - created} already there; {on_board} on the board "
        f"(each paid week lasts {settings.JOBS_PAID_PERIOD.days} days)"
    )
