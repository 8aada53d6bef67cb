"""Orders in the Wagtail admin: list, filters, search, CSV export, detail, refund action, dashboard panel."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from billing.models import Charge
from shop.models import Order, ProductPage
from tests.shop.test_checkout import make_order
from website.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def paid_order_through_sandbox(client, user, product, sandbox, capture, quantity=2):
    client.force_login(user)
    client.post("/cart/add/", {"product": product.pk, "quantity": quantity})
    client.post("/cart/checkout/")
    order = Order.objects.get(user=user)
    charge = Charge.objects.for_object(order).get()
    sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with capture(execute=True):
        sandbox.deliver_events(client)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def test_order_list_filters_by_status_and_searches_number_and_email(admin_client, user, other_user, product):
    mine = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)
    theirs = make_order(other_user, product)

    paid = admin_client.get("/admin/shop_order/", {"status": "paid"}).content.decode()
    assert mine.number in paid
    assert theirs.number not in paid

    found = admin_client.get("/admin/shop_order/", {"q": theirs.number}).content.decode()
    assert theirs.number in found
    assert mine.number not in found

    by_email = admin_client.get("/admin/shop_order/", {"q": other_user.email}).content.decode()
    assert theirs.number in by_email
    assert mine.number not in by_email


def test_the_status_filter_offers_each_word_once_and_canceled_finds_expired_orders_too(
    admin_client, user, other_user, product
):
    expired = make_order(user, product, status=Order.Status.EXPIRED, hold_minutes=None)
    canceled = make_order(other_user, product, status=Order.Status.CANCELED, hold_minutes=None)
    paid = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)

    page = admin_client.get("/admin/shop_order/").content.decode()
    assert 'value="expired"' in page and 'value="canceled"' not in page  # one choice for the one word

    listed = admin_client.get("/admin/shop_order/", {"status": "expired"}).content.decode()
    assert expired.number in listed and canceled.number in listed
    assert paid.number not in listed


def test_order_list_exports_csv(admin_client, user, product):
    order = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)

    response = admin_client.get("/admin/shop_order/", {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    header, row = body.splitlines()[:2]
    assert "Number" in header
    assert "Total (minor units)" in header
    assert order.number in row
    assert "1800" in row


def test_order_detail_shows_lines_and_charges(admin_client, user, product):
    order = make_order(user, product, quantity=2)

    html = admin_client.get(f"/admin/shop_order/inspect/{order.pk}/").content.decode()

    assert "Stoneware mug" in html
    assert "MUG-1" in html
    assert "No payment was started" in html


def test_orders_cannot_be_added_or_edited_in_the_admin(admin_client, user, product):
    order = make_order(user, product)

    assert admin_client.get("/admin/shop_order/add/").status_code == 404
    assert admin_client.get(f"/admin/shop_order/edit/{order.pk}/").status_code == 404


def test_staff_without_order_permissions_cannot_see_orders_or_refund(client, user, product):
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    order = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)

    # The Wagtail admin answers a permission refusal by sending the user back to its home page.
    assert client.get("/admin/shop_order/")["Location"] == "/admin/"
    assert client.post(f"/admin/shop_order/refund/{order.pk}/", {"reason": "x"})["Location"] == "/admin/"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_staff_refund_refunds_through_stripe_restocks_and_tells_the_buyer(
    client, admin_user, user, product, stripe_sandbox, django_capture_on_commit_callbacks
):
    order = paid_order_through_sandbox(client, user, product, stripe_sandbox, django_capture_on_commit_callbacks)
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18
    mail.outbox.clear()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/shop_order/refund/{order.pk}/", {"reason": "Arrived broken.", "restock": "on"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.refund_reason == "Arrived broken."
    assert order.restocked_at is not None
    assert Charge.objects.for_object(order).get().status == Charge.Status.REFUNDED
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 20
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert "Arrived broken." in mail.outbox[0].body

    # A second refund is refused and restocks nothing.
    again = client.post(f"/admin/shop_order/refund/{order.pk}/", {"reason": "Again."})
    assert again.status_code == 200
    assert "Only a paid order can be refunded" in again.content.decode()
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 20


def test_staff_refund_without_restock_leaves_the_stock(
    client, admin_user, user, product, stripe_sandbox, django_capture_on_commit_callbacks
):
    order = paid_order_through_sandbox(client, user, product, stripe_sandbox, django_capture_on_commit_callbacks)
    client.force_login(admin_user)

    client.post(f"/admin/shop_order/refund/{order.pk}/", {"reason": "Never arrived."})

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.restocked_at is None
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 18


def test_refund_needs_a_reason_and_changes_nothing_without_one(admin_client, user, product):
    order = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)

    response = admin_client.post(f"/admin/shop_order/refund/{order.pk}/", {"reason": "  "})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_refund_of_an_unknown_order_is_404(admin_client):
    assert admin_client.get("/admin/shop_order/refund/999999/").status_code == 404


def test_dashboard_panel_counts_open_orders_and_last_weeks_revenue(admin_client, user, other_user, product):
    from django.utils import timezone

    paid = make_order(user, product, quantity=2, status=Order.Status.PAID, hold_minutes=None)
    Order.objects.filter(pk=paid.pk).update(paid_at=timezone.now())
    make_order(other_user, product)
    make_order(other_user, product, status=Order.Status.EXPIRED, hold_minutes=None)

    html = admin_client.get("/admin/").content.decode()

    assert "2 open orders" in html
    assert "$36.00" in html
    assert "from 1 order" in html
