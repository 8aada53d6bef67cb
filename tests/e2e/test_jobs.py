"""A job poster in a real browser: post a listing, pay on the sandbox's Checkout page, see it on /jobs/,
bump it with the saved card. Every page on the way passes axe-core."""

import pytest
from django.contrib.auth.models import Group, Permission

from billing.models import Charge
from jobs.factories import JobIndexPageFactory
from jobs.models import JobPage
from website.factories import DEFAULT_PASSWORD, UserFactory
from website.models import HomePage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(stripe_sandbox):
    return stripe_sandbox


@pytest.fixture
def poster(db):
    group, _ = Group.objects.get_or_create(name="Job posters")
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    user = UserFactory(username="pat")
    user.groups.add(group)
    return user


def test_poster_posts_pays_bumps_and_the_listing_is_on_the_board(sandbox, page, poster):
    JobIndexPageFactory(parent=HomePage.objects.get())
    page.goto("/accounts/login/?next=/jobs/new/")
    page.a11y.check()
    page.get_by_role("textbox", name="Username").fill("pat")
    page.get_by_role("textbox", name="Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/jobs/new/")
    page.a11y.check()

    page.get_by_role("button", name="Save and continue to payment").click()
    page.wait_for_load_state("load")
    page.a11y.check()
    assert "nothing was saved" in page.locator("body").inner_text()
    assert not JobPage.objects.exists()

    page.get_by_label("Job title").fill("Platform engineer")
    page.get_by_label("Company").fill("Acme")
    page.get_by_label("Location").fill("Berlin, Germany")
    page.get_by_label("Salary from").fill("85000")
    page.get_by_label("Salary to").fill("95000")
    page.get_by_label("Description").fill("Keep the lights on.\n\nWith us.")
    page.get_by_label("How to apply").fill("jobs@acme.example.com")
    page.get_by_label("Tags").fill("python, ops")
    page.get_by_role("button", name="Save and continue to payment").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()

    page.get_by_role("button", name="Pay with a new card").click()
    page.wait_for_url(f"{sandbox.api_base}/**")
    page.a11y.check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Save this card for future payments").check()  # saved only because the payer asks
    page.get_by_role("button", name="Pay").first.click()
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    assert "Live until" in page.locator("body").inner_text()

    page.goto("/jobs/")
    page.a11y.check()
    page.get_by_role("link", name="Platform engineer").click()
    page.wait_for_url("**/jobs/platform-engineer/")
    page.a11y.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Platform engineer"

    page.goto("/jobs/mine/")
    page.a11y.check()
    page.get_by_role("link", name="Bump Platform engineer").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()
    page.get_by_role("button", name="Pay $49.00 now").click()
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    assert "Paid $49.00 with Visa •••• 4242" in page.locator("body").inner_text()

    job = JobPage.objects.get()
    charges = Charge.objects.for_object(job).order_by("created_at")
    assert [charge.method for charge in charges] == [Charge.Method.CHECKOUT, Charge.Method.SAVED_CARD]
    assert all(charge.status == Charge.Status.SUCCEEDED for charge in charges)
    assert job.last_paid_at == charges.last().paid_at
