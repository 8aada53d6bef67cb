"""The payer's pages: the signed payment page, payments, a payment, cards; nobody sees anyone else's."""

import pytest
from django.core import signing

from billing import tokens
from billing.models import Charge
from tests.billing_testapp.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_payment_page_needs_sign_in(client, invoice):
    response = client.get(tokens.payment_url(invoice))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_payment_page_shows_amount_and_description(signed_in, invoice, stripe_offline):
    response = signed_in.get(tokens.payment_url(invoice))

    assert response.status_code == 200
    assert "$25.00" in response.text
    assert "Invoice: Consulting" in response.text
    assert "Pay with a" in response.text
    assert response.text.count("<h1") == 1


def test_tampered_token_answers_400_with_a_message(signed_in, invoice):
    token = tokens.make_token(invoice)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = signed_in.get(f"/billing/pay/{tampered}/")

    assert response.status_code == 400
    assert "not valid" in response.text


def test_token_signed_for_another_purpose_is_refused(signed_in, invoice):
    token = signing.dumps({"m": "billing_testapp.invoice", "pk": str(invoice.pk)}, salt="something-else")

    assert signed_in.get(f"/billing/pay/{token}/").status_code == 400


def test_token_naming_a_model_that_is_not_payable_answers_404(signed_in, user):
    token = signing.dumps({"m": "auth.user", "pk": str(user.pk)}, salt=tokens.SALT)

    assert signed_in.get(f"/billing/pay/{token}/").status_code == 404


def test_another_users_payable_answers_404(client, other_user, invoice):
    client.force_login(other_user)

    assert client.get(tokens.payment_url(invoice)).status_code == 404
    assert client.post(tokens.payment_url(invoice), {"action": "checkout"}).status_code == 404
    assert Charge.objects.count() == 0


def test_paid_payable_shows_already_paid_instead_of_a_form(signed_in, invoice, user):
    Charge.objects.create(
        user=user, payable=invoice, amount=2500, currency="usd", description="Invoice: Consulting", status="succeeded"
    )
    Invoice.objects.filter(pk=invoice.pk).update(paid=True)

    response = signed_in.get(tokens.payment_url(invoice))

    assert response.status_code == 200
    assert "Already paid" in response.text


def test_checkout_with_stripe_unreachable_shows_a_clear_message_and_nothing_is_paid(signed_in, invoice, stripe_offline):
    response = signed_in.post(tokens.payment_url(invoice), {"action": "checkout"})

    assert response.status_code == 200
    assert "could not reach our payment provider" in response.text
    assert Charge.objects.succeeded().count() == 0
    invoice.refresh_from_db()
    assert invoice.paid is False


def test_saved_card_without_a_customer_offers_checkout(signed_in, invoice, stripe_offline):
    response = signed_in.post(tokens.payment_url(invoice), {"action": "saved_card", "payment_method": "pm_x"})

    assert response.status_code == 200
    assert "no saved cards yet" in response.text
    assert Charge.objects.count() == 0


def test_unknown_action_answers_400(signed_in, invoice, stripe_offline):
    assert signed_in.post(tokens.payment_url(invoice), {"action": "free"}).status_code == 400


def test_payments_page_lists_only_the_users_own_charges(signed_in, invoice, user, other_user):
    other_invoice = Invoice.objects.create(owner=other_user, title="Secret", amount=100)
    Charge.objects.create(
        user=user,
        payable=invoice,
        amount=2500,
        currency="usd",
        description="Invoice: Consulting",
        status="succeeded",
        receipt_url="https://pay.stripe.com/receipts/abc",
    )
    Charge.objects.create(user=other_user, payable=other_invoice, amount=100, currency="usd", description="Secret")

    response = signed_in.get("/billing/payments/")

    assert response.status_code == 200
    assert "Invoice: Consulting" in response.text
    assert "https://pay.stripe.com/receipts/abc" in response.text
    assert "Secret" not in response.text


def test_another_users_payment_answers_404(signed_in, other_user):
    other_invoice = Invoice.objects.create(owner=other_user, title="Secret", amount=100)
    theirs = Charge.objects.create(user=other_user, payable=other_invoice, amount=100, currency="usd", description="x")

    assert signed_in.get(f"/billing/payments/{theirs.reference}/").status_code == 404


def test_own_payment_page_shows_the_details(signed_in, invoice, user):
    charge = Charge.objects.create(
        user=user,
        payable=invoice,
        amount=2500,
        currency="usd",
        description="Invoice: Consulting",
        status="succeeded",
        card_brand="visa",
        card_last4="4242",
    )

    response = signed_in.get(f"/billing/payments/{charge.reference}/")

    assert response.status_code == 200
    assert "Visa •••• 4242" in response.text


def test_checkout_return_for_another_users_session_answers_404(signed_in, other_user):
    other_invoice = Invoice.objects.create(owner=other_user, title="Secret", amount=100)
    Charge.objects.create(
        user=other_user,
        payable=other_invoice,
        amount=100,
        currency="usd",
        description="x",
        stripe_checkout_session_id="cs_theirs",
    )

    assert signed_in.get("/billing/checkout/return/", {"session_id": "cs_theirs"}).status_code == 404


def test_checkout_return_without_a_session_answers_400(signed_in):
    assert signed_in.get("/billing/checkout/return/").status_code == 400


def test_checkout_return_with_stripe_unreachable_says_payment_is_being_confirmed(
    signed_in, pending_charge, stripe_offline
):
    response = signed_in.get("/billing/checkout/return/", {"session_id": pending_charge.stripe_checkout_session_id})

    assert response.status_code == 302
    pending_charge.refresh_from_db()
    assert pending_charge.status == Charge.Status.PENDING


def test_cards_page_with_stripe_unreachable_shows_a_message_not_an_error(signed_in, user, stripe_offline):
    from billing.models import Customer

    Customer.objects.create(user=user, stripe_customer_id="cus_offline")

    response = signed_in.get("/billing/cards/")

    assert response.status_code == 200
    assert "could not reach our payment provider" in response.text


def test_removing_a_card_when_the_user_has_no_customer_answers_404(signed_in):
    assert signed_in.post("/billing/cards/pm_someone_elses/remove/").status_code == 404
