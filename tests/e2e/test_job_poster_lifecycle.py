"""A job poster's whole life in a real browser: ask for posting rights, an editor approves them in the Wagtail
admin, post, pay on the sandbox's Checkout page, bump with the saved card (the payment page says the new "live
until" first, and /jobs/mine/ shows it after), then close the filled job. Every page on the way passes axe-core."""

import pytest
from django.utils import timezone

from billing.models import Charge
from jobs.factories import JobIndexPageFactory
from jobs.models import JobPage, PostingRightsRequest
from tests.e2e.helpers import body_text, pay_on_sandbox, sign_in
from website.factories import UserFactory
from website.models import HomePage

pytestmark = pytest.mark.django_db(transaction=True)


def live_until(moment) -> str:
    return f"{timezone.localtime(moment):%-d %b, %H:%M}"


def test_request_rights_approve_post_pay_bump_and_close(stripe_sandbox, page):
    JobIndexPageFactory(parent=HomePage.objects.get())
    UserFactory(username="nina", email="nina@example.com")
    UserFactory(username="eddie", is_staff=True, groups=["Editors"])

    # Nina may not post yet: /jobs/new/ offers the request form.
    sign_in(page, "nina", then="/jobs/new/", from_url="/jobs/new/")
    page.a11y.check()
    page.get_by_label("Company", exact=True).fill("Acme")
    page.get_by_label("Company website").fill("https://acme.example.com")
    page.get_by_label("About the role").fill("A platform engineer in Berlin")
    page.get_by_role("button", name="Ask for posting rights").click()
    page.wait_for_url("**/jobs/new/")
    page.a11y.check()
    assert "An editor will read your request" in body_text(page)

    # An editor sees the request counted on the dashboard and approves it.
    page.context.clear_cookies()
    sign_in(page, "eddie", then="/admin/", from_url="/admin/")
    page.a11y.check()
    page.get_by_role("link", name="1 posting-rights request").click()
    page.wait_for_url("**/admin/jobs_posting_rights/**")
    page.a11y.check()
    page.get_by_role("link", name="nina").first.click()
    page.wait_for_url("**/admin/jobs_posting_rights/edit/**")
    page.a11y.check()
    page.get_by_label("Message to the user (optional)").fill("Welcome aboard.")
    page.get_by_role("button", name="Approve: add to Job posters").click()
    page.wait_for_url("**/admin/jobs_posting_rights/")
    page.a11y.check()
    assert PostingRightsRequest.objects.get().status == "approved"

    # Nina posts and pays with a new card.
    page.context.clear_cookies()
    sign_in(page, "nina", then="/jobs/new/", from_url="/jobs/new/")
    page.a11y.check()
    page.get_by_label("Job title").fill("Platform engineer")
    page.get_by_label("Company").fill("Acme")
    page.get_by_label("Location").fill("Berlin, Germany")
    page.get_by_label("Description").fill("Keep the lights on.")
    page.get_by_label("How to apply").fill("https://acme.example.com/apply")
    page.get_by_role("button", name="Save and continue to payment").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()
    page.get_by_role("button", name="Pay with a new card").click()
    page.wait_for_url(f"{stripe_sandbox.api_base}/**")
    page.get_by_label("Save this card for future payments").check()  # the bump below pays with it
    pay_on_sandbox(page, stripe_sandbox, "4242 4242 4242 4242")
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    job = JobPage.objects.get()
    first_until = job.paid_until
    assert first_until is not None

    # The bump: the payment page says what it buys before any money moves; one press pays with the saved card.
    page.get_by_role("link", name="Bump Platform engineer").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()
    promised = live_until(first_until + (first_until - job.last_paid_at))
    assert f"live until {promised}" in body_text(page)
    assert Charge.objects.for_object(job).count() == 1
    page.get_by_role("button", name="Pay $49.00 now").click()
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    job.refresh_from_db()
    assert live_until(job.paid_until) == promised
    assert f"Live until {timezone.localtime(job.paid_until):%-d %b %Y, %H:%M}" in body_text(page)

    # The job is filled: close it, and it leaves the board at once.
    page.get_by_role("button", name="Mark as filled / close Platform engineer").click()
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    assert "Closed" in body_text(page)
    page.goto("/jobs/")
    page.a11y.check()
    assert "Platform engineer" not in body_text(page)
