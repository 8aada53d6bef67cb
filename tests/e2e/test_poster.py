"""A job poster in a real browser: post a listing, pay its first week with a new card, bump it with the saved one."""

import pytest
from django.contrib.auth.models import Group, Permission

from billing.models import Charge
from jobs.factories import JobIndexPageFactory
from jobs.models import JobPage
from tests.e2e.helpers import WEBHOOK_PATH, body_text, pay_on_sandbox, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(stripe_sandbox, live_server):
    stripe_sandbox.set_webhook_endpoint(live_server.url + WEBHOOK_PATH)
    return stripe_sandbox


@pytest.fixture
def poster(home_page):
    JobIndexPageFactory(parent=home_page)
    group, _ = Group.objects.get_or_create(name="Job posters")
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    user = UserFactory(username="demo-poster", email="poster@example.com")
    user.groups.add(group)
    return user


def test_poster_pays_for_a_new_listing_with_a_new_card_then_bumps_it_with_the_saved_card(sandbox, poster, page):
    page.goto("/jobs/new/")
    sign_in(page, "demo-poster", then="/jobs/new/")
    page.a11y.check()
    page.get_by_label("Job title").fill("Senior Django developer")
    page.get_by_label("Company").fill("Kiln & Co")
    page.get_by_label("Location").fill("Lisbon, Portugal")
    page.get_by_label("Description").fill("Build our shop.\n\nWork with a small team.")
    page.get_by_label("How to apply").fill("https://example.com/apply")
    page.get_by_label("Tags").fill("python, django")
    page.get_by_role("button", name="Save and continue to payment").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()
    listing = JobPage.objects.get()
    assert listing.owner == poster
    assert not listing.is_on_board()

    page.get_by_role("button", name="Pay with a new card").click()
    pay_on_sandbox(page, sandbox, "4242 4242 4242 4242")
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    listing.refresh_from_db()
    assert listing.is_on_board()
    first_paid_until = listing.paid_until

    page.goto("/jobs/")
    page.a11y.check()
    page.get_by_role("link", name="Senior Django developer").first.wait_for()
    assert "Kiln & Co" in body_text(page)

    page.goto("/jobs/mine/")
    page.a11y.check()
    page.get_by_role("link", name="Bump Senior Django developer").click()
    page.wait_for_url("**/billing/pay/**")
    page.a11y.check()
    assert "Visa •••• 4242" in body_text(page)
    page.get_by_role("button", name="now").click()
    page.wait_for_url("**/jobs/mine/")
    page.a11y.check()
    assert "with Visa •••• 4242" in body_text(page)

    listing.refresh_from_db()
    assert listing.paid_until > first_paid_until
    assert Charge.objects.for_object(listing).succeeded().count() == 2
