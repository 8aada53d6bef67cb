"""The poster's listing form and the board's filter form."""

import html
import re

from django import forms
from django.utils.html import escape, strip_tags

from billing.money import CURRENCY_CHOICES, MoneyError, parse_amount, to_decimal
from jobs.models import EmploymentType, JobPage, SalaryPeriod, validate_how_to_apply

MAX_TAGS = 10
MAX_TAG_LENGTH = 50
MAX_DESCRIPTION_LENGTH = 20_000
MAX_SALARY_MINOR_UNITS = 10**13


def text_to_html(text: str) -> str:
    """Plain text as safe rich text: everything escaped, blank lines make paragraphs, single newlines <br>."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()]
    return "".join(f"<p>{escape(part).replace(chr(10), '<br/>')}</p>" for part in paragraphs)


def html_to_text(value: str) -> str:
    """Rich text back to the plain text the form edits (paragraphs as blank lines)."""
    value = re.sub(r"<br\s*/?>", "\n", value or "")
    value = re.sub(r"</(p|h2|h3|li)>", "\n\n", value)
    return html.unescape(strip_tags(value)).strip()


def parse_tags(text: str) -> list[str]:
    names = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.lower() not in {existing.lower() for existing in names}:
            names.append(name)
    return names


class JobPostForm(forms.Form):
    title = forms.CharField(label="Job title", max_length=255)
    company = forms.CharField(max_length=120)
    location = forms.CharField(
        max_length=120, required=False, help_text="City and country; for a remote job, where candidates may live."
    )
    remote = forms.BooleanField(label="Remote job", required=False)
    employment_type = forms.ChoiceField(choices=EmploymentType.choices)
    salary_min = forms.CharField(label="Salary from", max_length=20, required=False)
    salary_max = forms.CharField(label="Salary to", max_length=20, required=False)
    salary_currency = forms.ChoiceField(label="Salary currency", choices=CURRENCY_CHOICES, initial="USD")
    salary_period = forms.ChoiceField(label="Salary per", choices=SalaryPeriod.choices, initial=SalaryPeriod.YEAR)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=MAX_DESCRIPTION_LENGTH,
        help_text="Plain text; leave a blank line between paragraphs.",
    )
    how_to_apply = forms.CharField(
        max_length=500,
        validators=[validate_how_to_apply],
        help_text="A web address (https://…) or an e-mail address where candidates apply.",
    )
    tags = forms.CharField(
        max_length=600, required=False, help_text=f"Up to {MAX_TAGS}, separated by commas: python, django, senior."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            described_by = [f"id_{name}_help"] if field.help_text else []
            if self.is_bound and name in self.errors:
                described_by.append(f"id_{name}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)

    @classmethod
    def for_page(cls, page: JobPage, data=None):
        initial = {
            "title": page.title,
            "company": page.company,
            "location": page.location,
            "remote": page.remote,
            "employment_type": page.employment_type,
            "salary_min": "" if page.salary_min is None else str(to_decimal(page.salary_min, page.salary_currency)),
            "salary_max": "" if page.salary_max is None else str(to_decimal(page.salary_max, page.salary_currency)),
            "salary_currency": page.salary_currency,
            "salary_period": page.salary_period,
            "description": html_to_text(page.description),
            "how_to_apply": page.how_to_apply,
            "tags": ", ".join(tag.name for tag in page.tags.all()),
        }
        return cls(data=data, initial=initial)

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the job a title.")
        return title

    def clean_how_to_apply(self):
        return self.cleaned_data["how_to_apply"].strip()

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError("Describe the job.")
        return text

    def clean_tags(self):
        names = parse_tags(self.cleaned_data["tags"])
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags, please.")
        for name in names:
            if len(name) > MAX_TAG_LENGTH:
                raise forms.ValidationError(
                    f"“{name[:20]}…” is too long for a tag (at most {MAX_TAG_LENGTH} characters)."
                )
        return names

    def _salary(self, field: str, currency: str) -> int | None:
        text = (self.cleaned_data.get(field) or "").strip()
        if not text:
            return None
        try:
            amount = parse_amount(text, currency)
        except MoneyError as error:
            self.add_error(field, str(error))
            return None
        if amount <= 0:
            self.add_error(field, "A salary must be more than zero.")
            return None
        if amount >= MAX_SALARY_MINOR_UNITS:
            self.add_error(field, "That salary is too large.")
            return None
        return amount

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("salary_currency")
        if currency:
            low = self._salary("salary_min", currency)
            high = self._salary("salary_max", currency)
            if low is not None and high is not None and low > high:
                self.add_error("salary_max", "The highest salary must not be below the lowest.")
            cleaned["salary_min_amount"], cleaned["salary_max_amount"] = low, high
        if not cleaned.get("remote") and not (cleaned.get("location") or "").strip():
            self.add_error("location", "Say where the job is, or tick “Remote job”.")
        return cleaned

    def listing_data(self) -> dict:
        """The cleaned values as JobPage fields (jobs.services.EDITABLE_FIELDS)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "company": data["company"].strip(),
            "location": data["location"].strip(),
            "remote": data["remote"],
            "employment_type": data["employment_type"],
            "salary_min": data["salary_min_amount"],
            "salary_max": data["salary_max_amount"],
            "salary_currency": data["salary_currency"],
            "salary_period": data["salary_period"],
            "description": text_to_html(data["description"]),
            "how_to_apply": data["how_to_apply"],
        }


class JobBoardFilterForm(forms.Form):
    """The board's filters; an unusable value is dropped rather than refused, so a board URL never errors."""

    q = forms.CharField(label="Search jobs", max_length=100, required=False)
    remote = forms.ChoiceField(
        label="Remote", choices=[("", "Any"), ("yes", "Remote only"), ("no", "On site only")], required=False
    )
    location = forms.CharField(label="Location", max_length=120, required=False)
    employment_type = forms.ChoiceField(
        label="Employment type", choices=[("", "Any"), *EmploymentType.choices], required=False
    )
    tag = forms.SlugField(label="Tag", max_length=100, required=False)

    def values(self) -> dict:
        """Each filter's cleaned value, or "" when it was missing or unusable."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: (cleaned.get(name) or "").strip() if name not in self.errors else "" for name in self.fields}


class PostingRightsRequestForm(forms.Form):
    """A signed-in user asks to post listings; an editor reads it in the admin."""

    company = forms.CharField(max_length=120)
    website = forms.URLField(label="Company website", max_length=300, assume_scheme="https")
    about = forms.CharField(
        label="About the role", max_length=300, help_text="One line about the job you want to post."
    )

    def clean_company(self):
        company = " ".join(self.cleaned_data["company"].split())
        if not company:
            raise forms.ValidationError("Give your company's name.")
        return company

    def clean_about(self):
        about = " ".join(self.cleaned_data["about"].split())
        if not about:
            raise forms.ValidationError("Say in one line what you want to post.")
        return about
