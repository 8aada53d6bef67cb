"""After payment: marking orders shipped (one or many) and delivered, the buyer's e-mail and order page, the
packing slip and the CSV export, and every refusal leaving the order as it was."""

import pytest
from django.core import mail

from shop.models import Order, OrderEvent, ShippingRate, ShippingSettings
from shop.shipments import ShipmentError, Tracking, order_mark_delivered, order_mark_shipped, orders_mark_shipped
from tests.shop.test_checkout import make_order

pytestmark = pytest.mark.django_db

TRACKING = Tracking(carrier="Royal Mail", tracking_number="RM123456789GB", tracking_url="https://track.example/RM123")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def paid_physical_order(user, product, **fields):
    order = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)
    defaults = {
        "requires_shipping": True,
        "shipping_name": "Ada Lovelace",
        "shipping_line1": "12 St James's Square",
        "shipping_city": "London",
        "shipping_postal_code": "SW1Y 4JH",
        "shipping_country": "GB",
        "shipping_rate_name": "Standard",
        "shipping_amount": 495,
    }
    Order.objects.filter(pk=order.pk).update(**{**defaults, **fields})
    order.refresh_from_db()
    return order


def snapshot(order):
    order.refresh_from_db()
    return (order.status, order.carrier, order.tracking_number, order.tracking_url, order.shipped_at)


def test_marking_shipped_records_tracking_and_history_and_emails_the_buyer_plain_and_html(
    user, admin_user, product, django_capture_on_commit_callbacks
):
    order = paid_physical_order(user, product)

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(order_id=order.pk, tracking=TRACKING, user=admin_user)

    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert (order.carrier, order.tracking_number, order.tracking_url) == (
        "Royal Mail",
        "RM123456789GB",
        "https://track.example/RM123",
    )
    assert order.shipped_at is not None
    event = OrderEvent.objects.get(order=order)
    assert (event.status, event.note, event.user) == ("shipped", "Royal Mail RM123456789GB", admin_user)
    [email] = mail.outbox
    assert email.to == [user.email]
    assert order.number in email.subject
    assert "Track your parcel: https://track.example/RM123" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert '<a href="https://track.example/RM123">Track your parcel</a>' in html


def test_the_email_waits_for_the_commit(user, product, django_capture_on_commit_callbacks):
    order = paid_physical_order(user, product)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    assert not mail.outbox
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://track.example/1", "track.example/1"])
def test_a_tracking_url_that_is_not_http_is_refused_and_nothing_changes(user, product, url):
    order = paid_physical_order(user, product)
    before = snapshot(order)
    with pytest.raises(ShipmentError, match="must be an http\\(s\\) URL"):
        order_mark_shipped(order_id=order.pk, tracking=Tracking(carrier="UPS", tracking_number="1", tracking_url=url))
    assert snapshot(order) == before
    assert not OrderEvent.objects.exists()


@pytest.mark.parametrize(
    "status", [Order.Status.PENDING, Order.Status.REFUNDED, Order.Status.CANCELED, Order.Status.REFUND_PENDING]
)
def test_an_unpaid_or_refunded_order_cannot_be_shipped(user, product, status):
    order = paid_physical_order(user, product, status=status)
    before = snapshot(order)
    with pytest.raises(ShipmentError, match="Only a paid order can be shipped"):
        order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    assert snapshot(order) == before
    assert not mail.outbox


def test_a_digital_order_has_nothing_to_ship(user, product):
    order = make_order(user, product, status=Order.Status.PAID, hold_minutes=None)
    with pytest.raises(ShipmentError, match="nothing to ship"):
        order_mark_shipped(order_id=order.pk, tracking=TRACKING)


def test_shipping_several_orders_is_all_or_nothing(user, other_user, product, django_capture_on_commit_callbacks):
    first = paid_physical_order(user, product)
    second = paid_physical_order(other_user, product)
    refunded = paid_physical_order(other_user, product, status=Order.Status.REFUNDED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ShipmentError):
        orders_mark_shipped(shipments={first.pk: TRACKING, second.pk: TRACKING, refunded.pk: TRACKING})
    assert {order.status for order in Order.objects.all()} == {Order.Status.PAID, Order.Status.REFUNDED}
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        shipped = orders_mark_shipped(shipments={first.pk: TRACKING, second.pk: TRACKING})
    assert [order.status for order in shipped] == [Order.Status.SHIPPED] * 2
    assert len(mail.outbox) == 2


def test_delivered_follows_shipped_only(user, product):
    order = paid_physical_order(user, product)
    with pytest.raises(ShipmentError, match="Only a shipped order can be delivered"):
        order_mark_delivered(order_id=order.pk)
    order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    order = order_mark_delivered(order_id=order.pk)
    assert order.status == Order.Status.DELIVERED
    assert order.is_complete
    assert list(order.events.values_list("status", flat=True)) == ["shipped", "delivered"]


def test_the_buyers_order_page_shows_address_rate_history_and_tracking(client, user, product):
    order = paid_physical_order(user, product)
    order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    client.force_login(user)

    page = client.get(order.get_absolute_url()).content.decode()

    assert "Shipped" in page
    assert "Ada Lovelace" in page and "SW1Y 4JH London" in page and "United Kingdom" in page
    assert "Standard, $4.95" in page
    assert "RM123456789GB" in page
    assert 'href="https://track.example/RM123"' in page
    assert "History" in page


def test_the_admin_marks_one_order_shipped_and_refuses_a_bad_link(admin_client, user, product):
    order = paid_physical_order(user, product)
    url = f"/admin/shop_order/ship/{order.pk}/"
    assert "Mark shipped" in admin_client.get(f"/admin/shop_order/inspect/{order.pk}/").content.decode()

    bad = admin_client.post(url, {"carrier": "UPS", "tracking_number": "1Z", "tracking_url": "javascript:x"})
    assert bad.status_code == 200
    assert "must be an http(s) URL" in bad.content.decode()
    assert snapshot(order)[0] == Order.Status.PAID

    good = admin_client.post(url, {"carrier": "UPS", "tracking_number": "1Z", "tracking_url": "https://ups.example/1Z"})
    assert good.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (Order.Status.SHIPPED, "UPS", "1Z")


def test_the_admin_ships_many_from_the_list(admin_client, user, other_user, product):
    first = paid_physical_order(user, product)
    second = paid_physical_order(other_user, product)
    listing = admin_client.get("/admin/shop_order/ship/").content.decode()
    assert first.number in listing and second.number in listing

    response = admin_client.post(
        "/admin/shop_order/ship/",
        {
            "carrier": "DHL",
            "order": [first.pk, second.pk],
            f"tracking_number_{first.pk}": "A1",
            f"tracking_url_{first.pk}": "https://dhl.example/A1",
            f"tracking_number_{second.pk}": "B2",
        },
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.tracking_number, first.tracking_url) == ("shipped", "A1", "https://dhl.example/A1")
    assert (second.status, second.tracking_number) == ("shipped", "B2")


def test_the_bulk_ship_refuses_a_bad_row_and_ships_none(admin_client, user, other_user, product):
    first = paid_physical_order(user, product)
    second = paid_physical_order(other_user, product)
    response = admin_client.post(
        "/admin/shop_order/ship/",
        {"carrier": "DHL", "order": [first.pk, second.pk], f"tracking_url_{second.pk}": "data:text/html,hi"},
    )
    assert response.status_code == 400
    assert "Nothing was shipped" in response.content.decode()
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PAID}
    assert admin_client.post("/admin/shop_order/ship/", {"carrier": "DHL", "order": ["x"]}).status_code == 400


def test_shipping_needs_the_ship_permission(client, editor, user, product):
    order = paid_physical_order(user, product)
    client.force_login(editor)
    assert client.post(f"/admin/shop_order/ship/{order.pk}/", {"carrier": "UPS"}).status_code in (302, 403)
    assert snapshot(order)[0] == Order.Status.PAID


def test_the_packing_slip_lists_address_and_contents(admin_client, user, product):
    order = paid_physical_order(user, product)
    page = admin_client.get(f"/admin/shop_order/packing-slip/{order.pk}/").content.decode()
    assert f"Packing slip: order {order.number}" in page
    assert "Ada Lovelace" in page and "MUG-1" in page and "Stoneware mug" in page
    assert "packing-slip.css" in page
    assert "style=" not in page and "<script" not in page


def test_the_csv_export_carries_address_and_status(admin_client, user, product):
    order = paid_physical_order(user, product)
    order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    response = admin_client.get("/admin/shop_order/", {"export": "csv"})
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    header, row = body.splitlines()[:2]
    for heading in ("Status", "Ship to", "Shipping rate", "Tracking number", "Country"):
        assert heading in header, heading
    for value in ("Shipped", "Ada Lovelace", "SW1Y 4JH", "GB", "RM123456789GB"):
        assert value in row, value


def test_editors_add_a_shipping_rate_as_a_snippet_and_a_country_outside_the_shop_is_refused(admin_client):
    url = "/admin/snippets/shop/shippingrate/add/"
    form = {
        "name": "Standard",
        "amount": "4.95",
        "currency": "USD",
        "countries": "US GB",
        "min_days": "3",
        "max_days": "5",
        "free_over_amount": "",
        "active": "on",
    }
    refused = admin_client.post(url, {**form, "countries": "US BR"})
    assert refused.status_code == 200
    assert "The shop does not ship to BR" in refused.content.decode()
    assert not ShippingRate.objects.exists()

    assert admin_client.post(url, form).status_code == 302
    rate = ShippingRate.objects.get()
    assert (rate.name, rate.amount, rate.country_codes, rate.delivery_estimate) == (
        "Standard",
        495,
        ["US", "GB"],
        "3 to 5 business days",
    )


def test_shipping_rate_amounts_are_typed_and_shown_as_they_read_and_stored_in_minor_units(admin_client):
    form = {"name": "Express", "countries": "US", "min_days": "1", "max_days": "2", "active": "on"}
    url = "/admin/snippets/shop/shippingrate/add/"

    refused = admin_client.post(url, {**form, "amount": "4.955", "currency": "USD", "free_over_amount": "-1"})
    assert refused.status_code == 200
    assert "Enter an amount with at most 2 decimal places." in refused.content.decode()
    assert "Enter an amount of zero or more." in refused.content.decode()
    assert not ShippingRate.objects.exists()

    added = admin_client.post(url, {**form, "amount": "$12.50", "currency": "USD", "free_over_amount": "1,250.00"})
    assert added.status_code == 302
    rate = ShippingRate.objects.get()
    assert (rate.amount, rate.free_over_amount) == (1250, 125000)

    listing = admin_client.get("/admin/snippets/shop/shippingrate/").content.decode()
    assert "$12.50" in listing and "$1,250.00" in listing
    edit = f"/admin/snippets/shop/shippingrate/edit/{rate.pk}/"
    page = admin_client.get(edit).content.decode()
    assert 'value="12.50"' in page and 'value="1,250.00"' in page
    changed = admin_client.post(edit, {**form, "amount": "1,500", "currency": "JPY", "free_over_amount": ""})
    assert changed.status_code == 302
    rate.refresh_from_db()
    assert (rate.amount, rate.currency, rate.free_over_amount) == (1500, "JPY", None)


def test_the_shipping_countries_setting_refuses_an_unknown_code(admin_client):
    url = admin_client.get("/admin/settings/shop/shippingsettings/")["Location"]
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"countries": "US XX"})
    assert "Not a country we can ship to: XX" in response.content.decode()
    assert admin_client.post(url, {"countries": "us, gb"}).status_code == 302
    assert ShippingSettings.load().country_codes == ["US", "GB"]


def test_the_admin_marks_a_shipped_order_delivered_and_refuses_a_paid_one(admin_client, user, product):
    order = paid_physical_order(user, product)
    refused = admin_client.post(f"/admin/shop_order/delivered/{order.pk}/", follow=True)
    assert "Only a shipped order can be delivered" in refused.content.decode()
    assert snapshot(order)[0] == Order.Status.PAID

    order_mark_shipped(order_id=order.pk, tracking=TRACKING)
    assert admin_client.post(f"/admin/shop_order/delivered/{order.pk}/").status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.delivered_at is not None
    assert admin_client.post("/admin/shop_order/delivered/999999/").status_code == 404
