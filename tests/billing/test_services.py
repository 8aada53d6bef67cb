"""Billing services without Stripe: fulfilment exactly once, the ledger's queries, refusals, retries."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from billing import payables
from billing.models import Charge, Customer
from billing.services import checkout, refunds, settlement
from billing.services.settlement import PaymentDetails
from billing.signals import charge_succeeded
from billing.stripe_client import PaymentError
from tests.billing.conftest import session_object
from tests.billing_testapp.models import Invoice

pytestmark = pytest.mark.django_db


def test_fulfil_twice_pays_once_and_signals_once(pending_charge, invoice):
    received = []

    def listener(sender, charge, payable, **kwargs):
        received.append((charge.pk, payable.pk))

    charge_succeeded.connect(listener)
    try:
        details = PaymentDetails(payment_intent_id="pi_1", card_brand="visa", card_last4="4242")
        first, fulfilled_first = settlement.charge_fulfil(charge_id=pending_charge.pk, details=details)
        second, fulfilled_second = settlement.charge_fulfil(charge_id=pending_charge.pk, details=details)
    finally:
        charge_succeeded.disconnect(listener)

    assert (fulfilled_first, fulfilled_second) == (True, False)
    assert received == [(pending_charge.pk, invoice.pk)]
    invoice.refresh_from_db()
    assert invoice.times_paid == 1
    assert second.card_last4 == "4242"
    assert second.paid_at == first.paid_at


def test_billing_announces_to_the_payables_model_only_and_calls_no_method_on_it(pending_charge, invoice, monkeypatch):
    heard = {"invoice": [], "other model": []}

    def for_invoices(sender, charge, payable, **kwargs):
        heard["invoice"].append(sender)

    def for_customers(sender, charge, payable, **kwargs):
        heard["other model"].append(sender)

    # A method of the old hook's name is never called: payables hear through signals alone.
    monkeypatch.setattr(Invoice, "on_charge_succeeded", lambda self, charge: pytest.fail("hook called"), raising=False)
    charge_succeeded.connect(for_invoices, sender=Invoice)
    charge_succeeded.connect(for_customers, sender=Customer)
    try:
        settlement.charge_fulfil(charge_id=pending_charge.pk, details=PaymentDetails())
    finally:
        charge_succeeded.disconnect(for_invoices, sender=Invoice)
        charge_succeeded.disconnect(for_customers, sender=Customer)

    assert heard == {"invoice": [Invoice], "other model": []}


def test_a_charge_whose_payable_is_gone_is_announced_with_the_charge_as_sender(pending_charge, invoice):
    Invoice.objects.filter(pk=invoice.pk).delete()
    heard = []

    def listener(sender, charge, payable, **kwargs):
        heard.append((sender, payable))

    charge_succeeded.connect(listener)
    try:
        settlement.charge_fulfil(charge_id=pending_charge.pk, details=PaymentDetails())
    finally:
        charge_succeeded.disconnect(listener)

    assert heard == [(Charge, None)]


def test_fulfil_after_expiry_still_records_the_money(pending_charge, invoice):
    settlement.charge_mark_canceled(charge_id=pending_charge.pk, reason="expired")

    charge, fulfilled = settlement.charge_fulfil(charge_id=pending_charge.pk, details=PaymentDetails())

    assert fulfilled is True
    assert charge.status == Charge.Status.SUCCEEDED


def test_fulfil_of_a_charge_whose_payable_is_gone_still_records_the_payment(pending_charge, invoice):
    Invoice.objects.filter(pk=invoice.pk).delete()

    charge, fulfilled = settlement.charge_fulfil(charge_id=pending_charge.pk, details=PaymentDetails())

    assert fulfilled is True
    assert charge.status == Charge.Status.SUCCEEDED


def test_charge_queries_find_succeeded_charges_of_one_object_since_a_moment(invoice, user, other_user):
    other = Invoice.objects.create(owner=other_user, title="Other", amount=100)
    now = timezone.now()
    recent = Charge.objects.create(
        user=user, payable=invoice, amount=2500, currency="usd", description="a", status="succeeded", paid_at=now
    )
    Charge.objects.create(
        user=user,
        payable=invoice,
        amount=2500,
        currency="usd",
        description="b",
        status="succeeded",
        paid_at=now - timedelta(days=40),
    )
    partly = Charge.objects.create(
        user=user,
        payable=invoice,
        amount=2500,
        currency="usd",
        description="c",
        status="partially_refunded",
        amount_refunded=100,
        paid_at=now,
    )
    Charge.objects.create(user=user, payable=invoice, amount=2500, currency="usd", description="d", status="refunded")
    Charge.objects.create(user=user, payable=invoice, amount=2500, currency="usd", description="e")
    Charge.objects.create(
        user=other_user, payable=other, amount=100, currency="usd", description="f", status="succeeded", paid_at=now
    )

    found = Charge.objects.for_object(invoice).succeeded().since(now - timedelta(days=30))

    assert set(found) == {recent, partly}
    assert Charge.objects.for_object(invoice).pending().count() == 1
    assert Charge.objects.for_object(invoice).refunded().count() == 2


def test_register_refuses_a_model_without_the_payable_methods():
    class NotPayable:
        title = "no price, no owner"

    with pytest.raises(ImproperlyConfigured, match="payment_amount"):
        payables.register(NotPayable)


def test_start_checkout_refuses_someone_elses_payable(invoice, other_user):
    with pytest.raises(PaymentError) as raised:
        checkout.charge_start_checkout(user=other_user, payable=invoice, base_url="http://testserver/")

    assert raised.value.code == "not_payable"
    assert Charge.objects.count() == 0


def test_start_checkout_refuses_a_zero_price(invoice, user):
    Invoice.objects.filter(pk=invoice.pk).update(amount=0)
    invoice.refresh_from_db()

    with pytest.raises(PaymentError) as raised:
        checkout.charge_start_checkout(user=user, payable=invoice, base_url="http://testserver/")

    assert raised.value.code == "invalid_amount"
    assert Charge.objects.count() == 0


def test_checkout_that_could_not_reach_stripe_leaves_one_retryable_charge(invoice, user, stripe_offline):
    Customer.objects.create(user=user, stripe_customer_id="cus_known")

    for _attempt in range(2):
        with pytest.raises(PaymentError) as raised:
            checkout.charge_start_checkout(user=user, payable=invoice, base_url="http://testserver/")
        assert raised.value.retryable is True

    charge = Charge.objects.get()
    assert charge.status == Charge.Status.PENDING
    assert charge.stripe_checkout_session_id is None
    assert Charge.objects.succeeded().count() == 0


def test_refund_of_a_pending_charge_is_refused(pending_charge):
    with pytest.raises(PaymentError) as raised:
        refunds.charge_refund(charge=pending_charge)

    assert raised.value.code == "not_refundable"


@pytest.mark.parametrize("amount", [0, -1, 2501])
def test_refund_outside_what_is_left_is_refused_without_calling_stripe(pending_charge, amount, stripe_offline):
    Charge.objects.filter(pk=pending_charge.pk).update(status="succeeded", stripe_payment_intent_id="pi_x")

    with pytest.raises(PaymentError) as raised:
        refunds.charge_refund(charge=pending_charge, amount=amount)

    assert raised.value.code in ("invalid_amount", "over_refund")
    pending_charge.refresh_from_db()
    assert pending_charge.amount_refunded == 0


def test_over_refund_counts_what_was_refunded_already(pending_charge, stripe_offline):
    Charge.objects.filter(pk=pending_charge.pk).update(
        status="partially_refunded", amount_refunded=2000, stripe_payment_intent_id="pi_x"
    )

    with pytest.raises(PaymentError, match=r"At most \$5.00"):
        refunds.charge_refund(charge=pending_charge, amount=501)


def test_a_guest_may_not_pay_for_a_payable_that_takes_no_guests(invoice, stripe_sandbox):
    with pytest.raises(PaymentError) as raised:
        checkout.charge_start_checkout(user=None, payable=invoice, base_url="http://testserver/")

    assert raised.value.code == "not_payable"
    assert not Charge.objects.exists()


def test_charge_succeeded_carries_the_address_checkout_collected_from_a_guest(pending_charge, monkeypatch):
    Charge.objects.filter(pk=pending_charge.pk).update(user=None)
    heard = []

    def listener(sender, charge, payable, payer_email="", payer_name="", **kwargs):
        heard.append((payer_email, payer_name))

    session = {
        **session_object(pending_charge, payment_intent=None),
        "customer_details": {"email": "guest@example.com", "name": "Gus Guest"},
    }
    charge_succeeded.connect(listener)
    try:
        settlement.charge_settle_checkout_session(session=session)
        settlement.charge_settle_checkout_session(session=session)
    finally:
        charge_succeeded.disconnect(listener)

    assert heard == [("guest@example.com", "Gus Guest")]
