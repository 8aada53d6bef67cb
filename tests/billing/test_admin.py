"""The Wagtail admin for billing: listings, filters, search, detail pages, refund and replay actions."""

import re

import pytest
from django.contrib.auth.models import Group, Permission

from billing.factories import ChargeFactory
from billing.models import Charge, Customer, WebhookEvent
from tests.billing.conftest import make_event
from website.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_charge(invoice, user):
    return ChargeFactory(
        payable=invoice,
        user=user,
        amount=2500,
        description="Invoice: Consulting",
        succeeded=True,
        stripe_payment_intent_id="pi_admin_paid",
        stripe_charge_id="ch_admin_paid",
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_charge_listing_searches_by_stripe_id_and_email(admin_client, paid_charge, other_user, invoice):
    Charge.objects.create(user=other_user, payable=invoice, amount=100, currency="usd", description="Other thing")

    by_stripe_id = admin_client.get("/admin/billing_charge/", {"q": "pi_admin_paid"})
    by_email = admin_client.get("/admin/billing_charge/", {"q": "mallory@example.com"})

    assert by_stripe_id.status_code == 200
    assert "Invoice: Consulting" in by_stripe_id.text
    assert "Other thing" not in by_stripe_id.text
    assert "Other thing" in by_email.text
    assert "Invoice: Consulting" not in by_email.text


def test_charge_listing_filters_by_status(admin_client, paid_charge, invoice, user):
    Charge.objects.create(user=user, payable=invoice, amount=100, currency="usd", description="Still pending")

    response = admin_client.get("/admin/billing_charge/", {"status": "pending"})

    assert response.status_code == 200
    assert "Still pending" in response.text
    assert "Invoice: Consulting" not in response.text


def test_charge_detail_shows_amount_and_refund_button(admin_client, paid_charge):
    response = admin_client.get(f"/admin/billing_charge/inspect/{paid_charge.pk}/")

    assert response.status_code == 200
    assert "$25.00" in response.text
    assert re.search(r"<dt>Payable</dt>\s*<dd>\s*Consulting\s*</dd>", response.text)
    assert f"/admin/billing_charge/refund/{paid_charge.pk}/" in response.text


def test_ledger_has_no_add_edit_or_delete_pages(admin_client, paid_charge):
    assert admin_client.get("/admin/billing_charge/new/").status_code == 404
    assert admin_client.get(f"/admin/billing_charge/edit/{paid_charge.pk}/").status_code == 404
    assert admin_client.get(f"/admin/billing_charge/delete/{paid_charge.pk}/").status_code == 404


def test_over_refund_is_refused_by_the_form_and_nothing_changes(admin_client, paid_charge):
    response = admin_client.post(f"/admin/billing_charge/refund/{paid_charge.pk}/", {"amount": "25.01"})

    assert response.status_code == 200
    assert "At most $25.00 is left to refund" in response.text
    paid_charge.refresh_from_db()
    assert paid_charge.amount_refunded == 0


def test_refund_with_stripe_unreachable_shows_a_message_and_changes_nothing(admin_client, paid_charge, stripe_offline):
    response = admin_client.post(f"/admin/billing_charge/refund/{paid_charge.pk}/", {"amount": "10"})

    assert response.status_code == 200
    assert "could not reach our payment provider" in response.text
    paid_charge.refresh_from_db()
    assert (paid_charge.status, paid_charge.amount_refunded) == (Charge.Status.SUCCEEDED, 0)


def test_staff_without_refund_permission_cannot_refund(client, paid_charge):
    # Editors may refund (a data migration grants it); a group that may only look at charges may not.
    group = Group.objects.create(name="Bookkeepers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_charge")
    )
    viewer = UserFactory(username="viewer", is_staff=True, groups=["Bookkeepers"])
    client.force_login(viewer)

    assert client.get(f"/admin/billing_charge/inspect/{paid_charge.pk}/").status_code == 200
    assert client.post(f"/admin/billing_charge/refund/{paid_charge.pk}/", {"amount": "10"}).status_code in (302, 403)
    paid_charge.refresh_from_db()
    assert paid_charge.amount_refunded == 0


def test_customer_listing_searches_by_email(admin_client, user, other_user):
    Customer.objects.create(user=user, stripe_customer_id="cus_alice")
    Customer.objects.create(user=other_user, stripe_customer_id="cus_mallory")

    response = admin_client.get("/admin/billing_customer/", {"q": "alice@example.com"})

    assert response.status_code == 200
    assert "cus_alice" in response.text
    assert "cus_mallory" not in response.text


def test_webhook_event_listing_filters_by_type_and_replay_runs_the_handler_again(admin_client, invoice, user):
    pending = Charge.objects.create(
        user=user, payable=invoice, amount=2500, currency="usd", description="x", stripe_checkout_session_id="cs_replay"
    )
    session = {
        "id": "cs_replay",
        "object": "checkout.session",
        "metadata": {"charge_reference": str(pending.reference)},
        "payment_status": "unpaid",
        "status": "expired",
    }
    event = WebhookEvent.objects.create(
        stripe_event_id="evt_replay",
        type="checkout.session.expired",
        payload=make_event("checkout.session.expired", session),
    )
    WebhookEvent.objects.create(stripe_event_id="evt_other", type="customer.created", payload={})

    listing = admin_client.get("/admin/billing_webhookevent/", {"type": "checkout.session.expired"})
    assert "evt_replay" in listing.text
    assert "evt_other" not in listing.text

    detail = admin_client.get(f"/admin/billing_webhookevent/inspect/{event.pk}/")
    assert f"/admin/billing_webhookevent/replay/{event.pk}/" in detail.text

    response = admin_client.post(f"/admin/billing_webhookevent/replay/{event.pk}/")

    assert response.status_code == 302
    pending.refresh_from_db()
    event.refresh_from_db()
    assert pending.status == Charge.Status.CANCELED
    assert event.processed_at is not None


def test_admin_menu_offers_billing(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert "/admin/billing_charge/" in response.text
    assert "/admin/billing_webhookevent/" in response.text


@pytest.mark.parametrize("typed", ["1e30", "9e99", "-1e30"])
def test_absurd_refund_amounts_get_a_form_error_not_a_500(admin_client, paid_charge, typed):
    response = admin_client.post(f"/admin/billing_charge/refund/{paid_charge.pk}/", {"amount": typed})

    assert response.status_code == 200
    assert "too large an amount" in response.text or "is not an amount" in response.text
    paid_charge.refresh_from_db()
    assert paid_charge.amount_refunded == 0


def test_charge_detail_and_listing_show_the_dispute_state(admin_client, paid_charge):
    Charge.objects.filter(pk=paid_charge.pk).update(status=Charge.Status.DISPUTED, dispute_status="under_review")

    detail = admin_client.get(f"/admin/billing_charge/inspect/{paid_charge.pk}/")
    listing = admin_client.get("/admin/billing_charge/?dispute_status=under_review")

    assert re.search(r"<dt>Dispute status</dt>\s*<dd>\s*under_review\s*</dd>", detail.text)
    assert "Consulting" in listing.text


def test_rejected_webhook_events_are_listed_with_their_reason(admin_client):
    from django.utils import timezone

    event = make_event("checkout.session.completed", {})
    row = WebhookEvent.objects.create(
        stripe_event_id=event["id"],
        type=event["type"],
        payload=event,
        rejected_at=timezone.now(),
        rejection="Session is for 1 usd, but the charge is 2500 usd.",
    )

    listing = admin_client.get("/admin/billing_webhookevent/")
    detail = admin_client.get(f"/admin/billing_webhookevent/inspect/{row.pk}/")

    assert "rejected" in listing.text
    assert "Session is for 1 usd" in detail.text
