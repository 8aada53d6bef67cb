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


# --- The site's real address, dates and salaries ------------------------------------------------------------


@pytest.fixture
def real_address(settings, site):
    # The Site record says localhost, as a fresh install's does; the configured base URL is the real address.
    site.hostname, site.port = "localhost", 80
    site.save()
    settings.WAGTAILADMIN_BASE_URL = "https://jobs.example.org"
    return "https://jobs.example.org"


def test_json_ld_url_is_on_the_sites_real_address(client, real_address, paid_job):
    data = json_ld(client.get(paid_job.url))

    assert data["url"] == f"{real_address}/jobs/python-developer/"


def test_without_a_base_url_the_site_record_is_the_address(client, settings, site, paid_job):
    settings.WAGTAILADMIN_BASE_URL = ""
    site.hostname, site.port = "jobs.example.net", 443
    site.save()

    assert json_ld(client.get(paid_job.url))["url"] == "https://jobs.example.net/jobs/python-developer/"


def test_the_feed_and_the_sitemap_use_the_sites_real_address(client, real_address, paid_job):
    channel = ElementTree.fromstring(client.get("/jobs/feed/").content).find("channel")
    sitemap = client.get("/sitemap.xml").text

    assert channel.findtext("link") == f"{real_address}/jobs/"
    assert channel.find("item").findtext("link") == f"{real_address}/jobs/python-developer/"
    assert f"<loc>{real_address}/jobs/python-developer/</loc>" in sitemap
    assert f"<loc>{real_address}/jobs/</loc>" in sitemap
    assert "localhost/jobs" not in sitemap


def test_date_posted_is_the_date_the_page_shows_after_a_bump(client, make_job):
    job = make_job(first_published_at=timezone.now() - timedelta(days=6))
    record_payment(job, paid_at=timezone.now() - timedelta(days=6))
    bump = record_payment(job)
    job.refresh_from_db()

    response = client.get(job.url)

    shown = timezone.localtime(bump.paid_at)
    assert f"<dt>Posted</dt><dd>{shown:%-d %b %Y}</dd>" in response.text
    assert json_ld(response)["datePosted"] == shown.date().isoformat()


def test_whole_salaries_drop_the_zero_cents_and_others_keep_them(make_job):
    assert make_job(salary_min=13000000, salary_max=15000000).salary_display == "$130,000 to $150,000 a year"
    assert make_job(salary_min=4250, salary_period="HOUR").salary_display == "From $42.50 an hour"


def test_the_feed_accepts_the_boards_filters(client, make_job):
    for title, remote, tag in [("Remote Python", True, "python"), ("Berlin Go", False, "golang")]:
        job = make_job(title=title, remote=remote)
        job.tags.add(tag)
        job.save()
        record_payment(job)

    def titles(query):
        channel = ElementTree.fromstring(client.get(f"/jobs/feed/{query}").content).find("channel")
        return [item.findtext("title").split(" at ")[0] for item in channel.findall("item")]

    assert titles("?tag=golang") == ["Berlin Go"]
    assert titles("?remote=yes") == ["Remote Python"]
    assert titles("?q=python") == ["Remote Python"]
    assert titles("?remote=bogus") == ["Berlin Go", "Remote Python"]


def test_a_listing_without_an_owner_offers_anonymous_visitors_no_edit_link(client, paid_job):
    """An anonymous visitor's pk (None) equals a listing's missing owner_id (None); the page, which the cache may
    share with every visitor, must still offer no poster's links."""
    JobPage.objects.filter(pk=paid_job.pk).update(owner=None)

    html = client.get(paid_job.url).content.decode()

    assert "Edit this listing" not in html
