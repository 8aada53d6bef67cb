"""The job board in the benchmark: its data set, its two cases and their floors."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils import timezone

from benchmarks import data
from benchmarks.floors import BRANDING, ROOT_URL_PATH, _render, _rows, _url

EMPLOYMENT_TYPES = ["FULL_TIME", "PART_TIME", "CONTRACTOR"]


def ensure_jobs(size: int):
    """The job index under the home page and `size` listings on the board (paid weeks ending over the next days)."""
    from jobs.models import JobIndexPage, JobPage

    index = JobIndexPage.objects.first()
    if index is None:
        index = data.home_page().add_child(
            instance=JobIndexPage(title="Jobs", slug="jobs", intro="<p>Paid listings.</p>")
        )
    have = JobPage.objects.child_of(index).count()
    now = timezone.now()
    rows = [
        {
            "title": f"Engineer {number}",
            "slug": f"engineer-{number}",
            "company": f"Company {number % 97}",
            "location": "Lisbon, Portugal" if number % 2 else "Berlin, Germany",
            "remote": number % 3 == 0,
            "employment_type": EMPLOYMENT_TYPES[number % len(EMPLOYMENT_TYPES)],
            "salary_min": 6_000_000 + number,
            "salary_max": 9_000_000 + number,
            "salary_currency": "USD",
            "salary_period": "YEAR",
            "description": "<p>Build and run things that matter, with people who care.</p>",
            "how_to_apply": "https://example.com/apply",
            "paid": True,
            # Weeks paid at different times, all still running for the whole benchmark.
            "paid_until": now + timedelta(days=6, minutes=number % 1440),
            "last_paid_at": now - timedelta(days=1, minutes=number % 1440),
            "reminders_enabled": True,
        }
        for number in range(have + 1, size + 1)
    ]
    data.bulk_add_children(index, JobPage, rows)
    return index


def job_url_paths(index) -> list[str]:
    """The listings' url_paths in tree order."""
    from jobs.models import JobPage

    return list(JobPage.objects.child_of(index).order_by("path").values_list("url_path", flat=True))


def _job_facts(row: dict) -> dict:
    from jobs.models import EmploymentType, JobPage

    job = JobPage(
        salary_min=row["salary_min"],
        salary_max=row["salary_max"],
        salary_currency=row["salary_currency"],
        salary_period=row["salary_period"],
        remote=row["remote"],
        location=row["location"],
        how_to_apply=row.get("how_to_apply") or "",
    )
    row["place"] = job.place_display
    row["salary"] = job.salary_display
    row["employment_type_display"] = EmploymentType(row["employment_type"]).label
    row["url"] = _url(row["url_path"])
    return row


def _employment_types():
    from jobs.models import EmploymentType

    return [("", "Any"), *EmploymentType.choices]


def job_list(request):
    now = timezone.now()
    page_size = settings.JOBS_PAGE_SIZE
    # The board has one index page (JobIndexPage.max_count = 1), so every job row is one of its children.
    rows = _rows(
        "SELECT p.title, p.url_path, j.company, j.location, j.remote, j.employment_type, j.salary_min, j.salary_max, "  # noqa: S608
        "j.salary_currency, j.salary_period, j.last_paid_at, i.title AS index_title, ji.intro, "
        "(SELECT COUNT(*) FROM jobs_jobpage c JOIN wagtailcore_page cp ON cp.id = c.page_ptr_id "
        "WHERE cp.live AND c.paid_until > %s) AS total, "
        f"{BRANDING} "
        "FROM jobs_jobpage j JOIN wagtailcore_page p ON p.id = j.page_ptr_id "
        "JOIN wagtailcore_page i ON i.slug = %s AND i.url_path = %s "
        "JOIN jobs_jobindexpage ji ON ji.page_ptr_id = i.id "
        "WHERE p.live AND j.paid_until > %s "
        "ORDER BY j.last_paid_at DESC, p.id DESC LIMIT %s",
        [now, "jobs", ROOT_URL_PATH + "jobs/", now, page_size],
    )
    if not rows:
        raise Http404
    count = rows[0]["total"]
    return _render(
        request,
        "benchmarks/floor_job_list.html",
        {
            "rows": [_job_facts(row) for row in rows],
            "employment_types": _employment_types(),
            "remote_choices": [("", "Any"), ("yes", "Remote only"), ("no", "On site only")],
            "count": count,
            "pages": -(-count // page_size),
            "title": rows[0]["index_title"],
            "intro": rows[0]["intro"],
            "site_name": rows[0]["site_name"],
            "footer_text": rows[0]["footer_text"],
        },
    )


def job(request, slug: str):
    now = timezone.now()
    rows = _rows(
        "SELECT p.id, p.title, p.url_path, p.first_published_at, j.company, j.location, j.remote, j.employment_type, "  # noqa: S608
        "j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.last_paid_at, j.paid_until, j.description, "
        "j.how_to_apply, p.owner_id, "
        f"{BRANDING} "
        "FROM wagtailcore_page p JOIN jobs_jobpage j ON j.page_ptr_id = p.id "
        "WHERE p.slug = %s AND p.url_path = %s AND p.live AND j.paid_until > %s",
        [slug, f"{ROOT_URL_PATH}jobs/{slug}/", now],
    )
    if not rows:
        raise Http404
    row = _job_facts(rows[0])
    return _render(
        request,
        "benchmarks/floor_job.html",
        {
            "row": row,
            "json_ld": _json_ld(request, row),
            "title": row["title"],
            "site_name": row["site_name"],
            "footer_text": row["footer_text"],
        },
    )


def _json_ld(request, row: dict) -> str:
    """The same schema.org JobPosting the page carries (jobs.models.JobPage.json_ld), from the floor's row."""
    from billing.money import to_decimal

    data = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": row["title"],
        "description": row["description"],
        "datePosted": (row["first_published_at"] or row["last_paid_at"] or timezone.now()).isoformat(),
        "hiringOrganization": {"@type": "Organization", "name": row["company"]},
        "employmentType": row["employment_type"],
        "directApply": False,
        "url": request.build_absolute_uri(row["url"]),
    }
    if row["paid_until"]:
        data["validThrough"] = row["paid_until"].isoformat()
    if row["remote"]:
        data["jobLocationType"] = "TELECOMMUTE"
        if row["location"]:
            data["applicantLocationRequirements"] = {"@type": "AdministrativeArea", "name": row["location"]}
    else:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": row["location"]},
        }
    value = {"@type": "QuantitativeValue", "unitText": row["salary_period"]}
    if row["salary_min"] is not None:
        value["minValue"] = to_decimal(row["salary_min"], row["salary_currency"])
    if row["salary_max"] is not None:
        value["maxValue"] = to_decimal(row["salary_max"], row["salary_currency"])
    data["baseSalary"] = {"@type": "MonetaryAmount", "currency": row["salary_currency"], "value": value}
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text.translate({ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"})
