"""One payment for a listing's week, announced five times at once while the poster's browser comes back: one week."""

import pytest

from billing import tokens
from billing.models import Charge, WebhookEvent
from jobs.models import JobPage
from tests.concurrency import post_event, return_from_checkout, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 5


def test_the_same_event_five_times_at_once_racing_the_success_redirect_pays_the_listing_once(
    stripe_sandbox, settings, poster_client, poster, job
):
    assert poster_client.post(tokens.payment_url(job), {"action": "checkout"}).status_code == 303
    charge = Charge.objects.for_object(job).get()
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    (completed,) = stripe_sandbox.events("checkout.session.completed")

    actions = [lambda: post_event(completed)] * DELIVERIES + [
        lambda: return_from_checkout(poster, charge.stripe_checkout_session_id)
    ]
    results, failures = run_at_once(actions)

    assert failures == []
    assert sorted(status for status in results if isinstance(status, int)) == [200] * DELIVERIES
    assert [result for result in results if isinstance(result, tuple)] == [(302, "/jobs/mine/")]
    listing = JobPage.objects.get(pk=job.pk)
    charge.refresh_from_db()
    assert charge.status == Charge.Status.SUCCEEDED
    assert Charge.objects.for_object(job).succeeded().count() == 1
    assert listing.is_on_board()
    assert listing.paid_until == charge.paid_at + settings.JOBS_PAID_PERIOD
    assert WebhookEvent.objects.filter(stripe_event_id=completed.id).count() == 1
