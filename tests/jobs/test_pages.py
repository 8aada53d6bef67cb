"""A listing's page, the RSS feed, JSON-LD and the sitemap: paid listings for the public, unpaid ones for their own."""

import json
import re
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.utils import timezone
from wagtail.test.utils import WagtailPageTestCase

from jobs.factories import record_payment
from jobs.models import JobIndexPage, JobPage
from website.models import HomePage

pytestmark = pytest.mark.django_db


def json_ld(response) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.text, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# --- Page tree -------------------------------------------------------------------------------------


def test_page_types_live_where_they_should():
    helper = WagtailPageTestCase()
    helper.assertAllowedParentPageTypes(JobIndexPage, {HomePage})
    helper.assertAllowedSubpageTypes(JobIndexPage, {JobPage})
    helper.assertAllowedParentPageTypes(JobPage, {JobIndexPage})
    helper.assertAllowedSubpageTypes(JobPage, set())
    assert JobIndexPage.max_count == 1


def test_the_board_keeps_the_slug_jobs(job_index):
    from django.core.exceptions import ValidationError

    job_index.full_clean()
    job_index.slug = "careers"
    with pytest.raises(ValidationError, match="keep the slug"):
        job_index.full_clean()


def test_a_listing_cannot_take_a_slug_the_board_uses(job):
    from django.core.exceptions import ValidationError

    job.slug = "mine"
    with pytest.raises(ValidationError, match="taken by the job board"):
        job.full_clean()


# --- Unpaid listing pages ----------------------------------------------------------------------------


def test_an_unpaid_listing_is_404_to_the_public_and_other_users(client, job, other_user):
    assert client.get(job.url).status_code == 404
    client.force_login(other_user)
    assert client.get(job.url).status_code == 404


def test_an_unpaid_listing_shows_its_poster_a_not_live_notice(poster_client, job):
    response = poster_client.get(job.url)

    assert response.status_code == 200
    assert "Not live: unpaid" in response.text
    assert f"/jobs/{job.pk}/pay/" in response.text


def test_an_unpaid_listing_shows_editors_a_not_live_notice(client, editor, job):
    client.force_login(editor)
    response = client.get(job.url)

    assert response.status_code == 200
    assert "Not live: unpaid" in response.text


def test_an_expired_listing_says_its_week_ended(poster_client, make_job):
    job = make_job()
    record_payment(job, paid_at=timezone.now() - timedelta(days=9))

    response = poster_client.get(job.url)

    assert "Not live: its paid week ended" in response.text


def test_a_paid_listing_is_public_without_a_notice(client, paid_job):
    response = client.get(paid_job.url)

    assert response.status_code == 200
    assert "Not live" not in response.text
    assert response.text.count("<h1>") == 1
    assert 'href="https://example.com/apply"' in response.text


def test_an_e_mail_to_apply_becomes_a_mailto_link(client, make_job):
    job = make_job(how_to_apply="jobs@example.com")
    record_payment(job)

    assert 'href="mailto:jobs@example.com"' in client.get(job.url).text


# --- JSON-LD -----------------------------------------------------------------------------------------


def test_json_ld_describes_the_job_posting(client, make_job):
    job = make_job(
        title="Staff engineer",
        company="Acme",
        location="Lyon, France",
        employment_type="CONTRACTOR",
        salary_min=9000000,
        salary_max=11000050,
        salary_currency="EUR",
        salary_period="YEAR",
    )
    record_payment(job)
    job.refresh_from_db()

    data = json_ld(client.get(job.url))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Staff engineer"
    # The date the page shows as "Posted".
    assert data["datePosted"] == timezone.localdate(job.last_paid_at).isoformat()
    assert f"Posted</dt><dd>{timezone.localtime(job.last_paid_at):%-d %b %Y}" in client.get(job.url).text
    assert data["validThrough"] == job.paid_until.isoformat()
    assert data["hiringOrganization"] == {"@type": "Organization", "name": "Acme"}
    assert data["jobLocation"]["address"]["addressLocality"] == "Lyon, France"
    assert "jobLocationType" not in data
    assert data["employmentType"] == "CONTRACTOR"
    assert data["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "EUR",
        "value": {"@type": "QuantitativeValue", "unitText": "YEAR", "minValue": "90000.00", "maxValue": "110000.50"},
    }


def test_json_ld_of_a_remote_job_says_telecommute_and_has_no_salary_when_none_given(client, make_job):
    job = make_job(remote=True, location="Europe")
    record_payment(job)

    data = json_ld(client.get(job.url))

    assert data["jobLocationType"] == "TELECOMMUTE"
    assert "jobLocation" not in data
    assert "baseSalary" not in data


def test_json_ld_of_a_yen_salary_has_no_decimals(client, make_job):
    job = make_job(salary_min=7000000, salary_currency="JPY", salary_period="YEAR")
    record_payment(job)

    assert json_ld(client.get(job.url))["baseSalary"]["value"]["minValue"] == "7000000"


def test_json_ld_cannot_be_broken_out_of(client, make_job):
    job = make_job(title='</script><script>alert("x")</script>', company="A & B <Ltd>")
    record_payment(job)

    response = client.get(job.url)

    assert '<script>alert("x")' not in response.text
    data = json_ld(response)
    assert data["title"] == '</script><script>alert("x")</script>'
    assert data["hiringOrganization"]["name"] == "A & B <Ltd>"


# --- Feed ---------------------------------------------------------------------------------------------


def test_the_feed_lists_paid_listings_only_most_recently_paid_first(client, make_job):
    now = timezone.now()
    older = make_job(title="Older", company="Acme")
    record_payment(older, paid_at=now - timedelta(hours=5))
    newer = make_job(title="Newer <b>bold</b> & co", company="Beta")
    newer.tags.add("python")
    newer.save()
    record_payment(newer, paid_at=now - timedelta(hours=1))
    make_job(title="Unpaid")
    expired = make_job(title="Expired")
    record_payment(expired, paid_at=now - timedelta(days=8))

    response = client.get("/jobs/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Newer <b>bold</b> & co at Beta", "Older at Acme"]
    assert items[0].findtext("link").endswith(newer.url)
    assert [category.text for category in items[0].findall("category")] == ["python"]
    assert "<p>Build things with us.</p>" in items[0].findtext("description")


# --- Sitemap ------------------------------------------------------------------------------------------


def test_the_sitemap_lists_paid_listings_only(client, job_index, make_job):
    paid = make_job(title="Paid listing")
    record_payment(paid)
    unpaid = make_job(title="Unpaid listing")
    expired = make_job(title="Expired listing")
    record_payment(expired, paid_at=timezone.now() - timedelta(days=8))

    text = client.get("/sitemap.xml").text

    assert paid.url in text
    assert unpaid.url not in text
    assert expired.url not in text
    assert "/jobs/</loc>" in text
