"""Reconciliation against the offline Stripe sandbox: sessions paid at Stripe whose webhook never came."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing import stripe_client, tasks, tokens
from billing.models import Charge
from billing.reconciliation import checkout_sessions_reconcile
from billing.stripe_client import PaymentError

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def start_checkout(client, invoice) -> Charge:
    response = client.post(tokens.payment_url(invoice), {"action": "checkout"})
    assert response.status_code == 303, response.content
    return Charge.objects.for_object(invoice).get(status=Charge.Status.PENDING)


def test_reconciliation_fulfils_a_paid_session_whose_webhook_never_came_exactly_once(
    stripe_sandbox, signed_in, invoice
):
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    # No events delivered: as far as the webhook knows, nothing happened.
    charge.refresh_from_db()
    assert charge.status == Charge.Status.PENDING

    first = tasks.reconcile_payments()

    charge.refresh_from_db()
    invoice.refresh_from_db()
    assert charge.status == Charge.Status.SUCCEEDED
    assert charge.card_last4 == "4242"
    assert invoice.times_paid == 1
    assert first["sessions"] == 1
    assert first["fulfilled"] == 1

    second = tasks.reconcile_payments()

    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert (second["fulfilled"], second["already_settled"]) == (0, 1)

    # The webhook arriving late changes nothing either.
    responses = stripe_sandbox.deliver_events(signed_in)
    assert {response.status_code for response in responses} == {200}
    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_reconciliation_leaves_unpaid_sessions_and_charges_alone(stripe_sandbox, signed_in, invoice):
    charge = start_checkout(signed_in, invoice)

    counts = tasks.reconcile_payments()

    charge.refresh_from_db()
    assert charge.status == Charge.Status.PENDING
    assert (counts["sessions"], counts["fulfilled"]) == (0, 0)
    invoice.refresh_from_db()
    assert invoice.times_paid == 0


def test_reconciliation_counts_sessions_that_are_not_ours_and_touches_nothing(stripe_sandbox, invoice):
    session = stripe_client.create_checkout_session(
        params={
            "mode": "payment",
            "line_items": [
                {"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Tea"}}}
            ],
            "success_url": "https://elsewhere.example.com/thanks",
            "cancel_url": "https://elsewhere.example.com/",
        },
        idempotency_key="someone-elses-session",
    )
    stripe_sandbox.pay_checkout_session(session["id"])

    counts = checkout_sessions_reconcile()

    assert (counts["sessions"], counts["not_ours"], counts["fulfilled"]) == (1, 1, 0)
    assert not Charge.objects.exclude(status=Charge.Status.PENDING).exists()


def test_reconciliation_looks_back_only_as_far_as_asked(stripe_sandbox, signed_in, invoice):
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)

    # Seen from three days on, the session (created "now") is older than a day plus Stripe's longest session.
    later = checkout_sessions_reconcile(now=timezone.now() + timedelta(days=3))

    assert later["sessions"] == 0
    charge.refresh_from_db()
    assert charge.status == Charge.Status.PENDING
    assert checkout_sessions_reconcile()["fulfilled"] == 1


def test_reconciliation_reads_every_page_of_sessions(stripe_sandbox, signed_in, user, monkeypatch):
    from tests.billing_testapp.models import Invoice

    invoices = [Invoice.objects.create(owner=user, title=f"Job {n}", amount=1000 + n) for n in range(3)]
    charges = []
    for invoice in invoices:
        charge = start_checkout(signed_in, invoice)
        stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
        charges.append(charge)
    real_list = stripe_client.list_checkout_sessions
    monkeypatch.setattr(
        stripe_client, "list_checkout_sessions", lambda **kwargs: real_list(**{**kwargs, "page_size": 2})
    )

    counts = checkout_sessions_reconcile()

    assert (counts["sessions"], counts["fulfilled"]) == (3, 3)
    assert all(invoice.times_paid == 1 for invoice in Invoice.objects.all())


def test_reconciliation_when_stripe_is_unreachable_fails_and_changes_nothing(stripe_sandbox, signed_in, invoice):
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)

    with stripe_sandbox.unreachable(), pytest.raises(PaymentError):
        tasks.reconcile_payments()

    charge.refresh_from_db()
    assert charge.status == Charge.Status.PENDING


def test_the_hourly_task_also_settles_abandoned_charges(stripe_sandbox, signed_in, invoice):
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.expire_session(charge.stripe_checkout_session_id)
    Charge.objects.filter(pk=charge.pk).update(checkout_expires_at=timezone.now() - timedelta(minutes=10))

    counts = tasks.reconcile_payments()

    charge.refresh_from_db()
    assert charge.status == Charge.Status.CANCELED
    assert counts["abandoned_canceled"] == 1


def test_billing_reconcile_command_reports_what_it_did(stripe_sandbox, signed_in, invoice):
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    out = StringIO()

    call_command("billing_reconcile", stdout=out)

    assert out.getvalue().startswith("1 completed sessions checked: 1 fulfilled now, 0 already settled")
    invoice.refresh_from_db()
    assert invoice.times_paid == 1


def test_billing_reconcile_command_says_when_stripe_cannot_be_asked(stripe_sandbox, invoice):
    with stripe_sandbox.unreachable(), pytest.raises(CommandError, match="Stripe could not be asked"):
        call_command("billing_reconcile", stdout=StringIO())


def test_a_session_whose_amount_disagrees_with_its_charge_is_rejected_once_and_left_for_staff(
    stripe_sandbox, signed_in, invoice, mailoutbox, settings
):
    from billing.models import WebhookEvent

    settings.ADMINS = [("Staff", "staff@example.com")]
    charge = start_checkout(signed_in, invoice)
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    Charge.objects.filter(pk=charge.pk).update(amount=charge.amount + 1)  # the ledger and Stripe now disagree

    responses = stripe_sandbox.deliver_events(signed_in)
    counts = tasks.reconcile_payments()

    assert {response.status_code for response in responses} == {200}
    assert WebhookEvent.objects.get(type="checkout.session.completed").state == "rejected"
    rejected = WebhookEvent.objects.exclude(rejected_at=None)  # the payment intent's event disagrees too
    assert sorted(mail.subject for mail in mailoutbox) == sorted(
        f"[Django] Stripe event {event.stripe_event_id} rejected" for event in rejected
    )
    assert counts["mismatched"] == 1
    charge.refresh_from_db()
    invoice.refresh_from_db()
    assert charge.status == Charge.Status.PENDING
    assert invoice.times_paid == 0
