"""Posting at /jobs/new/, the poster's /jobs/mine/, and editing, paying and bumping only one's own listings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.tokens import payment_url
from jobs.factories import record_payment
from jobs.models import JobPage, JobStatus
from tests.jobs.helpers import payable_named_by

pytestmark = pytest.mark.django_db

GOOD_POST = {
    "title": "  Senior   Python developer ",
    "company": "Acme",
    "location": "Berlin, Germany",
    "employment_type": "FULL_TIME",
    "salary_min": "85,000",
    "salary_max": "100000.50",
    "salary_currency": "EUR",
    "salary_period": "YEAR",
    "description": "We build things.\n\nYou <b>help</b> & learn.\nEvery day.",
    "how_to_apply": "https://acme.example.com/jobs/1",
    "tags": "python, Django, python, remote-friendly",
}


def post(client, url, **changes):
    data = {**GOOD_POST, **changes}
    return client.post(url, {key: value for key, value in data.items() if value is not None})


# --- Who may post --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, job_index):
    response = client.get("/jobs/new/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/jobs/new/"


def test_a_user_without_the_permission_is_offered_the_request_form_and_cannot_post(client, user, job_index):
    client.force_login(user)

    page = client.get("/jobs/new/")
    response = post(client, "/jobs/new/")

    assert page.status_code == 200
    assert 'action="/jobs/posting-rights/"' in page.text and 'name="company"' in page.text
    assert response.status_code == 403
    assert not JobPage.objects.exists()


def test_the_setting_lets_every_signed_in_user_post(client, user, job_index, settings):
    settings.JOBS_ANY_SIGNED_IN_USER_MAY_POST = True
    client.force_login(user)

    assert client.get("/jobs/new/").status_code == 200
    assert post(client, "/jobs/new/").status_code == 302


@pytest.mark.parametrize("path", ["/jobs/mine/", "/jobs/1/edit/", "/jobs/1/pay/", "/jobs/1/bump/"])
def test_the_posters_pages_need_the_permission_too(client, user, job_index, path):
    client.force_login(user)

    assert client.get(path).status_code == 403


# --- Creating a listing ------------------------------------------------------------------------------


def test_posting_creates_a_published_unpaid_listing_owned_by_the_poster_and_goes_to_payment(
    poster_client, poster, job_index
):
    response = post(poster_client, "/jobs/new/")

    job = JobPage.objects.get()
    assert response.status_code == 302
    assert payable_named_by(response["Location"]) == job
    assert job.get_parent().specific == job_index
    assert job.owner == poster
    assert job.live and not job.has_unpublished_changes
    assert job.first_published_at is not None
    assert (job.paid, job.paid_until) == (False, None)
    assert job.title == "Senior Python developer"
    assert job.slug == "senior-python-developer"
    assert (job.salary_min, job.salary_max, job.salary_currency) == (8500000, 10000050, "EUR")
    assert job.description == "<p>We build things.</p><p>You &lt;b&gt;help&lt;/b&gt; &amp; learn.<br/>Every day.</p>"
    assert sorted(tag.name for tag in job.tags.all()) == ["Django", "python", "remote-friendly"]
    assert job.revisions.count() == 1
    # Published, but not on the board until paid.
    assert [j.pk for j in JobPage.objects.on_board(timezone.now())] == []


def test_a_title_the_board_uses_gets_another_slug(poster_client, job_index):
    post(poster_client, "/jobs/new/", title="Mine")
    post(poster_client, "/jobs/new/", title="Mine")

    assert sorted(JobPage.objects.values_list("slug", flat=True)) == ["mine-job", "mine-job-2"]


def test_a_remote_job_needs_no_location_and_an_e_mail_is_a_way_to_apply(poster_client, job_index):
    response = post(
        poster_client, "/jobs/new/", location="", remote="on", how_to_apply="jobs@acme.example.com", salary_min=""
    )

    assert response.status_code == 302
    job = JobPage.objects.get()
    assert job.remote is True
    assert job.salary_min is None
    assert job.apply_href == "mailto:jobs@acme.example.com"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 256}, "title", "at most 255 characters"),
        ({"company": ""}, "company", "This field is required."),
        ({"location": ""}, "location", "Say where the job is"),
        ({"employment_type": "SOMETIMES"}, "employment_type", "Select a valid choice"),
        ({"salary_min": "lots"}, "salary_min", "is not an amount"),
        ({"salary_min": "-5"}, "salary_min", "more than zero"),
        ({"salary_min": "10.555"}, "salary_min", "at most 2 decimal places"),
        ({"salary_min": "1000000000000"}, "salary_min", "too large"),
        ({"salary_min": "NaN"}, "salary_min", "is not an amount"),
        ({"salary_min": "9e99"}, "salary_min", "too large"),
        ({"salary_max": "1e30"}, "salary_max", "too large"),
        ({"salary_min": "1e-99"}, "salary_min", "at most 2 decimal places"),
        ({"salary_min": "100", "salary_currency": "JPY", "salary_max": "99.5"}, "salary_max", "no decimal places"),
        ({"salary_min": "200", "salary_max": "100"}, "salary_max", "must not be below the lowest"),
        ({"salary_currency": "XXX"}, "salary_currency", "Select a valid choice"),
        ({"salary_period": "CENTURY"}, "salary_period", "Select a valid choice"),
        ({"description": ""}, "description", "This field is required."),
        ({"description": "x" * 20_001}, "description", "at most 20000 characters"),
        ({"how_to_apply": ""}, "how_to_apply", "This field is required."),
        ({"how_to_apply": "call us"}, "how_to_apply", "Enter a valid web address"),
        ({"how_to_apply": "javascript:alert(1)"}, "how_to_apply", "Enter a valid web address"),
        ({"how_to_apply": "ftp://acme.example.com/"}, "how_to_apply", "Enter a valid web address"),
        ({"how_to_apply": "jobs@"}, "how_to_apply", "Enter a valid e-mail address"),
        ({"tags": ",".join(f"t{n}" for n in range(11))}, "tags", "At most 10 tags"),
        ({"tags": "x" * 51}, "tags", "too long for a tag"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_creates_nothing(poster_client, job_index, changes, field, message):
    response = post(poster_client, "/jobs/new/", **changes)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "nothing was saved" in response.text
    assert not JobPage.objects.exists()


def test_every_input_has_a_label(poster_client, job_index):
    response = poster_client.get("/jobs/new/")
    form = response.context["form"]

    for field in form:
        assert f'<label for="{field.id_for_label}">' in response.text
    assert response.text.count("<h1>") == 1


# --- The poster's listings ---------------------------------------------------------------------------------


def test_mine_lists_the_posters_listings_with_their_status(poster_client, make_job, other_poster):
    live = make_job(title="Live one")
    record_payment(live)
    live.refresh_from_db()
    expired = make_job(title="Expired one")
    record_payment(expired, paid_at=timezone.now() - timedelta(days=10))
    make_job(title="Unpaid one")
    make_job(title="Not mine", owner=other_poster)

    response = poster_client.get("/jobs/mine/")

    text = response.text
    assert response.status_code == 200
    assert "Not mine" not in text
    assert "Live until" in text and f"/jobs/{live.pk}/bump/" in text
    assert "Ended on" in text and f"/jobs/{expired.pk}/pay/" in text
    assert "Awaiting payment" in text
    for status in (JobStatus.LIVE, JobStatus.EXPIRED, JobStatus.UNPAID):
        assert status.description in text
    assert [row.job.title for row in response.context["rows"]] == ["Unpaid one", "Expired one", "Live one"]


# --- Ownership -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["edit", "pay", "bump"])
def test_another_posters_listing_is_404(client, other_poster, job, action):
    client.force_login(other_poster)

    assert client.get(f"/jobs/{job.pk}/{action}/").status_code == 404
    if action == "edit":
        assert post(client, f"/jobs/{job.pk}/edit/", title="Hijacked").status_code == 404
        assert JobPage.objects.get(pk=job.pk).title == job.title


@pytest.mark.parametrize("path", ["/jobs/999999/edit/", "/jobs/99999999999999999999/pay/", "/jobs/0/bump/"])
def test_missing_listings_are_404(poster_client, job_index, path):
    assert poster_client.get(path).status_code == 404


def test_someone_elses_listing_cannot_be_paid_on_the_billing_page_either(client, other_poster, job):
    client.force_login(other_poster)

    assert client.get(payment_url(job)).status_code == 404


@pytest.mark.parametrize("action", ["pay", "bump"])
def test_pay_and_bump_send_the_poster_to_billings_payment_page(poster_client, paid_job, action):
    response = poster_client.get(f"/jobs/{paid_job.pk}/{action}/")

    assert response.status_code == 302
    assert payable_named_by(response["Location"]) == paid_job


def test_an_unpublished_listing_cannot_be_paid(poster_client, job):
    job.unpublish()

    response = poster_client.get(f"/jobs/{job.pk}/pay/", follow=True)

    assert "cannot be paid for" in response.text


# --- Editing ---------------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_listing_as_it_is(poster_client, make_job):
    job = make_job(salary_min=8500000, salary_currency="EUR", description="<p>One.</p><p>Two<br/>lines.</p>")
    job.tags.add("python")
    job.save()

    form = poster_client.get(f"/jobs/{job.pk}/edit/").context["form"]

    assert form.initial["salary_min"] == "85000.00"
    assert form.initial["description"] == "One.\n\nTwo\nlines."
    assert form.initial["tags"] == "python"


def test_editing_publishes_the_change_and_keeps_the_paid_week(poster_client, paid_job):
    paid_until = paid_job.paid_until

    response = post(poster_client, f"/jobs/{paid_job.pk}/edit/", title="Renamed job", tags="go")

    assert response.status_code == 302
    job = JobPage.objects.get(pk=paid_job.pk)
    assert job.title == "Renamed job"
    assert job.slug == "renamed-job"
    assert not job.has_unpublished_changes
    assert [tag.name for tag in job.tags.all()] == ["go"]
    assert (job.paid, job.paid_until) == (True, paid_until)


def test_a_bad_edit_changes_nothing(poster_client, paid_job):
    response = post(poster_client, f"/jobs/{paid_job.pk}/edit/", title="Renamed", how_to_apply="nope")

    assert response.status_code == 400
    job = JobPage.objects.get(pk=paid_job.pk)
    assert job.title == paid_job.title
    assert job.revisions.count() == paid_job.revisions.count()
