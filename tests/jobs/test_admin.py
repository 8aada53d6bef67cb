"""Editors in the Wagtail admin: the job listings with paid status and paid-until, a listing's charges, the price."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Charge
from jobs.factories import record_payment
from jobs.models import JobBoardSettings

pytestmark = pytest.mark.django_db


def test_the_job_listings_show_paid_status_and_paid_until(client, editor, make_job):
    paid = make_job(title="Paid listing")
    record_payment(paid)
    paid.refresh_from_db()
    make_job(title="Unpaid listing")
    expired = make_job(title="Expired listing")
    record_payment(expired, paid_at=timezone.now() - timedelta(days=8))
    client.force_login(editor)

    response = client.get(reverse("job_listings:index"))

    assert response.status_code == 200
    text = response.content.decode()
    labels = [column.label for column in response.context["view"].columns]
    assert labels[-4:] == ["Company", "Poster", "Paid", "Paid until"]
    rows = {row.title: row for row in response.context["object_list"]}
    assert set(rows) == {"Paid listing", "Unpaid listing", "Expired listing"}
    assert "Ended" in text and "Awaiting payment" in text
    assert paid.company in text


def test_the_job_listings_sort_by_paid_until(client, editor, make_job):
    now = timezone.now()
    record_payment(make_job(title="Earlier"), paid_at=now - timedelta(days=2))
    record_payment(make_job(title="Later"), paid_at=now - timedelta(days=1))
    client.force_login(editor)

    response = client.get(reverse("job_listings:index"), {"ordering": "-paid_until"})

    assert [page.title for page in response.context["object_list"]][:2] == ["Later", "Earlier"]


def test_the_edit_page_shows_the_listings_charges_and_its_status(client, editor, job):
    paid = record_payment(job, amount=4900)
    record_payment(job, status=Charge.Status.REFUNDED, amount=4900, amount_refunded=4900)
    client.force_login(editor)

    response = client.get(reverse("wagtailadmin_pages:edit", args=[job.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "on the board until" in text
    assert text.count("$49.00") >= 2
    assert "Refunded" in text
    assert f'href="/admin/billing_charge/inspect/{paid.pk}/"' in text
    assert "cannot be edited here" in text
    assert 'name="paid"' not in text and 'name="paid_until"' not in text


def test_the_price_is_an_editable_site_setting_defaulting_to_49_dollars(client, admin_user, site):
    assert JobBoardSettings.current().price_amount == 4900
    assert JobBoardSettings.current().price_currency == "USD"
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["jobs", "jobboardsettings", site.pk])

    response = client.post(url, {"price_amount": "59.00", "price_currency": "EUR", "reminder_days_before": "2"})

    assert response.status_code == 302
    assert (JobBoardSettings.current().price_amount, JobBoardSettings.current().price_currency) == (5900, "EUR")
    assert JobBoardSettings.current().price_display == "€59.00"


def test_a_free_week_is_refused_in_the_settings(client, admin_user, site):
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["jobs", "jobboardsettings", site.pk])

    response = client.post(url, {"price_amount": "0", "price_currency": "USD"})

    assert response.status_code == 200
    assert JobBoardSettings.current().price_amount == 4900


def test_the_week_price_is_typed_and_shown_as_it_reads_with_stripes_minimum(client, admin_user, site):
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["jobs", "jobboardsettings", site.pk])
    assert 'value="49.00"' in client.get(url).content.decode()

    refused = client.post(url, {"price_amount": "0.49", "price_currency": "USD", "reminder_days_before": "2"})
    assert refused.status_code == 200
    assert "Ensure this is at least $0.50." in refused.content.decode()
    assert JobBoardSettings.current().price_amount == 4900

    saved = client.post(url, {"price_amount": "¥5,000", "price_currency": "JPY", "reminder_days_before": "2"})
    assert saved.status_code == 302
    assert (JobBoardSettings.current().price_amount, JobBoardSettings.current().price_currency) == (5000, "JPY")
    assert 'value="5,000"' in client.get(url).content.decode()


def test_paid_until_shows_the_date_and_time_not_a_relative_time(client, editor, make_job):
    job = make_job(title="Paid listing")
    charge = record_payment(job)
    client.force_login(editor)

    text = client.get(reverse("job_listings:index")).content.decode()

    until = timezone.localtime(charge.paid_at + timedelta(days=7))
    assert f"{until:%-d %b %Y, %H:%M}" in text
    assert "Just now" not in text
