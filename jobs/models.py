"""The job board: one JobIndexPage at /jobs/ and the JobPage listings under it, paid by the week through billing."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.db.models import Min, Prefetch, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager, PagePermissionTester, Site
from wagtail.rich_text import expand_db_html
from wagtail.search import index

from billing.forms import MINIMUM_CHARGE, MoneyField
from billing.money import CURRENCY_CHOICES, MoneyError, format_amount, to_decimal
from jobs.querysets import JobPageQuerySet
from serving.routing import ServedPage

# Paths jobs/urls.py serves under /jobs/; a listing with one of these slugs could never be reached.
RESERVED_SLUGS = frozenset({"new", "mine", "feed", "posting-rights"})
INDEX_SLUG = "jobs"


class EmploymentType(models.TextChoices):
    # Values are schema.org's employmentType, so JSON-LD can use them as they are.
    FULL_TIME = "FULL_TIME", "Full time"
    PART_TIME = "PART_TIME", "Part time"
    CONTRACTOR = "CONTRACTOR", "Contract"
    TEMPORARY = "TEMPORARY", "Temporary"
    INTERN = "INTERN", "Internship"


class JobStatus(models.TextChoices):
    """Where a listing stands (JobPage.status), in the words the shop's orders and billing's payments use for the same
    states (shop.statuses, billing.models.ChargeStatus), each with a line saying what it means."""

    LIVE = "live", "Live"
    UNPUBLISHED = "unpublished", "Unpublished"
    EXPIRED = "expired", "Ended"
    UNPAID = "unpaid", "Awaiting payment"
    CLOSED = "closed", "Closed"

    @property
    def description(self) -> str:
        return JOB_STATUS_DESCRIPTIONS[self.value]


JOB_STATUS_DESCRIPTIONS = {
    JobStatus.LIVE: "Paid and on the board.",
    JobStatus.UNPUBLISHED: "Paid, but an editor took it off the board.",
    JobStatus.EXPIRED: "Its paid week is over, so it is off the board until it is paid again.",
    JobStatus.UNPAID: "Not on the board until its first week is paid.",
    JobStatus.CLOSED: "Marked as filled or closed by its poster, so it is off the board.",
}


class SalaryPeriod(models.TextChoices):
    # schema.org QuantitativeValue unitText values.
    HOUR = "HOUR", "an hour"
    DAY = "DAY", "a day"
    WEEK = "WEEK", "a week"
    MONTH = "MONTH", "a month"
    YEAR = "YEAR", "a year"


def validate_how_to_apply(value: str) -> None:
    """An http(s) address or an e-mail address."""
    value = (value or "").strip()
    if "@" in value and not value.lower().startswith(("http://", "https://")):
        EmailValidator(message="Enter a valid e-mail address or a web address starting with https://.")(value)
        return
    URLValidator(
        schemes=["http", "https"], message="Enter a valid web address starting with https://, or an e-mail address."
    )(value)


def site_root_url() -> str:
    """The site's real root URL, without a trailing slash: WAGTAILADMIN_BASE_URL, else the default Site record.
    Used wherever an address leaves the site (JSON-LD, RSS, the sitemap, e-mails), whatever host a request used."""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    if not base:
        site = Site.objects.filter(is_default_site=True).first()
        base = site.root_url if site else ""
    return base.rstrip("/")


class JobBoardSettingsForm(WagtailAdminModelForm):
    # Typed and shown as the price reads ("49.00"), stored in minor units; it is charged alone, so Stripe's least.
    price_amount = MoneyField(currency_field="price_currency", minimum=MINIMUM_CHARGE, label="Price per week")


@register_setting(icon="cog")
class JobBoardSettings(BaseSiteSetting):
    """What one week on the board costs; read on the server each time a poster pays."""

    price_amount = models.PositiveIntegerField(
        "price per week",
        default=4900,
        help_text="In the currency's smallest unit: cents for USD (4900 = 49.00), yen for JPY.",
    )
    price_currency = models.CharField("currency", max_length=3, choices=CURRENCY_CHOICES, default="USD")
    review_new_listings = models.BooleanField(
        default=False,
        help_text="New listings, and posters' edits of live ones, go to the moderation workflow; "
        "a new listing can be paid for once an editor has approved it.",
    )
    approve_verified_posters = models.BooleanField(
        "approve verified posters at once",
        default=False,
        help_text="A request for posting rights from an account with a verified e-mail address is approved "
        "without waiting for an editor.",
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        "reminder days before the week ends",
        default=2,
        help_text="Posters get one e-mail this many days before a listing's paid week ends, with a link to renew.",
    )

    base_form_class = JobBoardSettingsForm

    panels = [
        FieldRowPanel([FieldPanel("price_amount"), FieldPanel("price_currency")]),
        FieldPanel("review_new_listings"),
        FieldPanel("approve_verified_posters"),
        FieldPanel("reminder_days_before"),
    ]

    class Meta:
        verbose_name = "job board settings"

    def clean(self):
        super().clean()
        if not self.price_amount:
            raise ValidationError({"price_amount": "A week on the board must cost more than nothing."})

    @property
    def price_display(self) -> str:
        return format_amount(self.price_amount, self.price_currency)

    @classmethod
    def current(cls, site: Site | None = None) -> "JobBoardSettings":
        site = site or Site.objects.filter(is_default_site=True).first()
        if site is None:
            return cls()
        return cls.for_site(site)


class JobPagePermissionTester(PagePermissionTester):
    """Wagtail's page permissions, plus: a poster (jobs.post_job) may edit and publish their own listings, and no
    one else's. The site form publishes through these checks, so an editor's lock still stops the poster."""

    def _is_posting_owner(self) -> bool:
        may_post = settings.JOBS_ANY_SIGNED_IN_USER_MAY_POST or self.user.has_perm("jobs.post_job")
        return bool(self.user.is_active and self.page.owner_id == self.user.pk and may_post)

    def can_edit(self):
        return super().can_edit() or (self._is_posting_owner() and not self.page_locked())

    def can_publish(self):
        return super().can_publish() or (self._is_posting_owner() and not self.page_locked())


class JobIndexPage(ServedPage, Page):
    """The board at /jobs/: paid listings, most recently paid first, with filters and search."""

    intro = RichTextField(blank=True, help_text="Shown above the listings.")

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["website.HomePage"]
    subpage_types = ["jobs.JobPage"]
    max_count = 1

    class Meta:
        verbose_name = "job index page"

    def clean(self):
        super().clean()
        # jobs/urls.py serves /jobs/new/, /jobs/mine/ and the feed beside it, and the header links /jobs/.
        if self.slug != INDEX_SLUG:
            raise ValidationError({"slug": f"The job board lives at /{INDEX_SLUG}/; keep the slug “{INDEX_SLUG}”."})

    def get_sitemap_urls(self, request=None):
        url_parts = self.get_url_parts()
        if url_parts is None:
            return []
        return [{"location": f"{site_root_url()}{url_parts[2]}", "lastmod": self.last_published_at}]

    # What the board reads from the query string (website.page_cache keys on these alone).
    cache_query_params = ("q", "remote", "location", "employment_type", "tag", "page")

    def get_context(self, request, *args, **kwargs):
        from jobs.selectors import job_board_listing  # here: jobs.selectors imports this module

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = job_board_listing(params=request.GET)
        return context

    def cache_seconds_until_change(self) -> float | None:
        """A listing leaves the board when its paid week ends (no event marks it): until the first one ends."""
        now = timezone.now()
        # Over every listing, not only the live ones: an earlier end at worst shortens the entry's life, and the
        # paid_until index answers alone (live() would join the page table and scan it).
        first = JobPage.objects.filter(paid_until__gt=now).aggregate(first=Min("paid_until"))["first"]
        return None if first is None else (first - now).total_seconds()


# The poster's switches on a listing: state of the listing, not of a revision's content.
POSTER_SWITCHES = ("closed_at", "reminders_enabled", "reminder_sent_for")


class JobPageTag(TaggedItemBase):
    content_object = ParentalKey("jobs.JobPage", on_delete=models.CASCADE, related_name="tagged_items")


class JobPage(ServedPage, Page):
    """One job listing. The poster is the page owner; it is on the board while a paid week runs.

    `paid`, `paid_until` and `last_paid_at` are never edited: the pre_save receiver in jobs.receivers recomputes
    them from billing's ledger before every save (see jobs.services.job_paid_status).
    """

    company = models.CharField(max_length=120)
    location = models.CharField(max_length=120, blank=True, help_text="City and country, or a region for remote jobs.")
    remote = models.BooleanField(default=False, help_text="The job can be done from anywhere in the location given.")
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME)
    salary_min = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="In the currency's smallest unit (cents for USD)."
    )
    salary_max = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="In the currency's smallest unit (cents for USD)."
    )
    salary_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    salary_period = models.CharField(max_length=10, choices=SalaryPeriod.choices, default=SalaryPeriod.YEAR)
    description = RichTextField(features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])
    how_to_apply = models.CharField(
        max_length=500,
        validators=[validate_how_to_apply],
        help_text="A web address (https://…) or an e-mail address where candidates apply.",
    )
    tags = ClusterTaggableManager(through=JobPageTag, blank=True)

    paid = models.BooleanField(default=False, editable=False)
    paid_until = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    last_paid_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The poster's switches: state of the listing rather than of one revision (kept by with_content_json below),
    # written with update() by jobs.services so that no revision is made for them.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_enabled = models.BooleanField(default=True, editable=False)
    # The paid_until the last renewal reminder was sent for: one reminder per paid week.
    reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PageManager.from_queryset(JobPageQuerySet)()

    content_panels = Page.content_panels + [
        HelpPanel(template="jobs/admin/paid_status_panel.html", heading="Payment"),
        MultiFieldPanel(
            [FieldPanel("company"), FieldRowPanel([FieldPanel("location"), FieldPanel("remote")])],
            heading="Employer and place",
        ),
        FieldPanel("employment_type"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("salary_min"), FieldPanel("salary_max")]),
                FieldRowPanel([FieldPanel("salary_currency"), FieldPanel("salary_period")]),
            ],
            heading="Salary (optional)",
        ),
        FieldPanel("description"),
        FieldPanel("how_to_apply"),
        FieldPanel("tags"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("company"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.SearchField("location"),
        index.SearchField("description"),
        index.AutocompleteField("company"),
        index.FilterField("remote"),
        index.FilterField("employment_type"),
        index.FilterField("paid_until"),
    ]

    parent_page_types = ["jobs.JobIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "job page"
        permissions = [("post_job", "Can post job listings on the site")]

    def clean(self):
        super().clean()
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = f"“{self.slug}” is taken by the job board's own pages; choose another slug."
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            errors["salary_max"] = "The highest salary must not be below the lowest."
        if errors:
            raise ValidationError(errors)

    # --- Being on the board -----------------------------------------------------------------------

    def with_content_json(self, content):
        """Publishing or reverting to a revision keeps the poster's switches as they are now: closing a listing or
        turning its reminders off is not undone by an older revision (Wagtail's documented override point)."""
        obj = super().with_content_json(content)
        # From the database, not this instance: a revision may hold an instance loaded before the poster's switch.
        current = JobPage.objects.filter(pk=self.pk).values(*POSTER_SWITCHES).first()
        for field in POSTER_SWITCHES:
            setattr(obj, field, current[field] if current else getattr(self, field))
        return obj

    def permissions_for_user(self, user):
        return JobPagePermissionTester(user, self)

    def is_on_board(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.live and self.closed_at is None and self.paid_until and self.paid_until > now)

    def status(self, now=None) -> str:
        """ "closed", "live", "unpublished" (paid, but an editor took it down), "expired" (a paid week has ended)
        or "unpaid" (never paid, or refunded), for posters and editors."""
        now = now or timezone.now()
        if self.closed_at is not None:
            return "closed"
        if self.paid_until is None:
            return "unpaid"
        if self.paid_until > now:
            return "live" if self.live else "unpublished"
        return "expired"

    @property
    def status_label(self) -> str:
        return JobStatus(self.status()).label

    @property
    def status_description(self) -> str:
        return JobStatus(self.status()).description

    def can_be_seen_unpaid_by(self, user) -> bool:
        if not user.is_authenticated:
            return False
        return user.pk == self.owner_id or self.permissions_for_user(user).can_edit()

    def serve(self, request, *args, **kwargs):
        if not self.is_on_board() and not self.can_be_seen_unpaid_by(request.user):
            raise Http404("No such job listing.")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The tags with their names in one query (the page and its JSON-LD read them several times).
        prefetch_related_objects([self], Prefetch("tagged_items", queryset=JobPageTag.objects.select_related("tag")))
        context["on_board"] = self.is_on_board()
        context["json_ld"] = self.json_ld(request)
        return context

    def cache_seconds_until_change(self) -> float | None:
        """The listing leaves the board (404) when its paid week ends."""
        if self.paid_until is None:
            return None
        return max((self.paid_until - timezone.now()).total_seconds(), 0)

    def get_sitemap_urls(self, request=None):
        if not self.is_on_board():
            return []
        return [
            {"location": self.canonical_url(), "lastmod": self.last_published_at or self.latest_revision_created_at}
        ]

    # --- Display ------------------------------------------------------------------------------------

    @property
    def salary_display(self) -> str:
        """ "$90,000 to $120,000 a year", "From €40 an hour", or "" when no salary is given."""
        try:
            low = (
                format_amount(self.salary_min, self.salary_currency, whole=True) if self.salary_min is not None else ""
            )
            high = (
                format_amount(self.salary_max, self.salary_currency, whole=True) if self.salary_max is not None else ""
            )
        except MoneyError:
            return ""
        period = self.get_salary_period_display()
        if low and high:
            return f"{low} to {high} {period}" if low != high else f"{low} {period}"
        if low:
            return f"From {low} {period}"
        if high:
            return f"Up to {high} {period}"
        return ""

    @property
    def posted_at(self):
        """The date the page shows as "Posted" and JSON-LD gives as datePosted: the latest payment (a bump reposts)."""
        return self.last_paid_at or self.first_published_at

    def canonical_url(self) -> str:
        """The listing's address on the site's real root (WAGTAILADMIN_BASE_URL, else the Site record), never the
        address of whatever host a request or a task happened to use."""
        url_parts = self.get_url_parts()
        if url_parts is None:
            return ""
        return f"{site_root_url()}{url_parts[2]}"

    @property
    def place_display(self) -> str:
        if self.remote:
            return f"Remote ({self.location})" if self.location else "Remote"
        return self.location

    @property
    def apply_href(self) -> str:
        value = self.how_to_apply.strip()
        return value if value.lower().startswith(("http://", "https://")) else f"mailto:{value}"

    @property
    def tag_list(self) -> list:
        """The tags, from the prefetched `tagged_items` when the board's query fetched them."""
        return sorted((item.tag for item in self.tagged_items.all()), key=lambda tag: tag.name.lower())

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tag_list]

    def json_ld(self, request=None) -> str:
        """schema.org JobPosting as a JSON string safe to put inside <script> (no "<", ">" or "&" left raw)."""
        data = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "title": self.title,
            "description": expand_db_html(self.description),
            "datePosted": timezone.localdate(self.posted_at or timezone.now()).isoformat(),
            "hiringOrganization": {"@type": "Organization", "name": self.company},
            "employmentType": self.employment_type,
            "directApply": False,
            "url": self.canonical_url(),
        }
        if self.paid_until:
            data["validThrough"] = self.paid_until.isoformat()
        if self.remote:
            data["jobLocationType"] = "TELECOMMUTE"
            if self.location:
                data["applicantLocationRequirements"] = {"@type": "AdministrativeArea", "name": self.location}
        else:
            data["jobLocation"] = {
                "@type": "Place",
                "address": {"@type": "PostalAddress", "addressLocality": self.location},
            }
        if self.salary_min is not None or self.salary_max is not None:
            value = {"@type": "QuantitativeValue", "unitText": self.salary_period}
            if self.salary_min is not None:
                value["minValue"] = to_decimal(self.salary_min, self.salary_currency)
            if self.salary_max is not None:
                value["maxValue"] = to_decimal(self.salary_max, self.salary_currency)
            data["baseSalary"] = {"@type": "MonetaryAmount", "currency": self.salary_currency, "value": value}
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
        return text.translate({ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"})

    # --- Billing's payable protocol (billing.payables) ------------------------------------------

    def payment_amount(self) -> int:
        return JobBoardSettings.current(self.get_site()).price_amount

    def payment_currency(self) -> str:
        return JobBoardSettings.current(self.get_site()).price_currency

    def payment_description(self) -> str:
        days = settings.JOBS_PAID_PERIOD.days
        return f"Job listing “{self.title}” at {self.company}: {days} days on the board"

    def can_be_paid_by(self, user) -> bool:
        # Paying again while paid is a bump: one more week after the running one, and to the top of the board.
        # Not while an editor has it unpublished, locked or in review, nor once closed.
        return bool(
            user.is_authenticated
            and user.pk == self.owner_id
            and self.live
            and self.closed_at is None
            and not self.locked
            and not self.workflow_in_progress
        )

    def payment_outcome(self) -> str:
        """What one more payment buys, said on billing's payment page before any money moves."""
        from jobs.services import job_paid_until_after_payment  # here: jobs.services imports this module

        until = timezone.localtime(job_paid_until_after_payment(page=self))
        return f"One more week on the board: live until {until:%-d %b, %H:%M}, and back to the top."

    def payment_success_url(self) -> str:
        return reverse("jobs:mine")

    def payment_cancel_url(self) -> str:
        return reverse("jobs:mine")

    def description_text(self) -> str:
        return strip_tags(self.description)


class PostingRightsRequest(models.Model):
    """A signed-in user's request to post listings (to join the "Job posters" group); an editor decides it in the
    admin. At most one request per user is open at a time."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an editor"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posting_rights_requests")
    company = models.CharField(max_length=120)
    website = models.URLField("company website", max_length=300)
    about = models.CharField("about the role", max_length=300, help_text="One line about the job you want to post.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    message = models.TextField(blank=True, help_text="Sent to the user with the decision.")

    class Meta:
        verbose_name = "posting-rights request"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="open"), name="jobs_one_open_rights_request_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user} for {self.company} ({self.get_status_display()})"
