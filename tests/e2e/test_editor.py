"""An editor in the Wagtail admin: publish a new product and see it in the shop; refund a paid order."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from billing.models import Charge
from shop import checkout
from shop.factories import CartFactory, LineItemFactory, ProductPageFactory, ShopIndexPageFactory
from shop.models import Order, ProductPage, Stock
from tests.e2e.helpers import body_text, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Wagtail 8's rich text editor (Draftail) renders its editable area without an accessible name; the field's visible
# label is not tied to it. Wagtail's markup, not ours: everything else on the page is still checked.
DRAFTAIL_UNLABELLED = {("aria-input-field-name", ".notranslate"): "Wagtail's Draftail editing area has no name"}


@pytest.fixture
def shop_editor(db):
    """A Moderators-group member (who may publish pages) who may also see and refund orders, as a shop manager."""
    moderators = Group.objects.get(name="Moderators")
    user = UserFactory(username="demo-editor", is_staff=True, groups=[moderators])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="shop", codename__in=["view_order", "refund_order", "view_stock", "change_stock"]
        )
    )
    return user


def test_editor_creates_and_publishes_a_product_that_appears_in_the_shop(shop_editor, home_page, page):
    index = ShopIndexPageFactory(parent=home_page)
    index.save_revision().publish()

    page.goto(f"/admin/pages/add/shop/productpage/{index.pk}/")
    sign_in(page, "demo-editor", then=f"/admin/pages/add/shop/productpage/{index.pk}/")
    page.a11y.check(upstream=DRAFTAIL_UNLABELLED)
    page.get_by_role("textbox", name="Title*").fill("Walnut chopping board")
    page.get_by_role("textbox", name="SKU*").fill("BOARD-WAL")
    page.get_by_role("textbox", name="Summary").fill("Oiled walnut, made in our workshop.")
    page.get_by_role("textbox", name="Price*").fill("45.00")  # as the price reads; stored in cents
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**/admin/pages/{index.pk}/")
    page.a11y.check()
    assert "Walnut chopping board" in page.get_by_role("table").inner_text()

    product = ProductPage.objects.get(sku="BOARD-WAL")
    assert product.live
    assert (product.price_amount, product.price_currency, product.stock_on_hand) == (4500, "USD", 0)

    # Stock is set beside the page, not in it: no revision, nothing to publish.
    page.goto(f"/admin/stock/edit/{Stock.objects.get(variant__product=product).pk}/")
    page.a11y.check()
    page.get_by_role("spinbutton", name="Quantity*").fill("12")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/stock/")
    page.a11y.check()
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 12

    page.goto("/shop/")
    page.a11y.check()
    page.get_by_role("link", name="Walnut chopping board").click()
    page.wait_for_url("**/shop/walnut-chopping-board/")
    page.a11y.check()
    assert "$45.00" in body_text(page)


def test_editor_refunds_a_paid_order_from_the_admin_and_its_units_go_back_on_the_shelf(
    stripe_sandbox, shop_editor, home_page, page
):
    index = ShopIndexPageFactory(parent=home_page)
    vase = ProductPageFactory(parent=index, title="Glazed vase", sku="VASE-1", price_amount=6400, stock_on_hand=3)
    buyer = UserFactory(username="demo-buyer", email="buyer@example.com")
    cart = CartFactory(user=buyer)
    LineItemFactory(cart=cart, product=vase, quantity=2, price_seen_amount=6400)
    started = checkout.checkout_start(user=buyer, cart=cart, base_url="http://testserver/")
    charge = Charge.objects.for_object(started.order).get()
    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    stripe_sandbox.deliver_events(Client())
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert ProductPage.objects.get(pk=vase.pk).stock_on_hand == 1

    page.goto("/admin/shop_order/")
    sign_in(page, "demo-editor", then="/admin/shop_order/")
    page.a11y.check()
    page.get_by_role("link", name=order.number).first.click()
    page.wait_for_url(f"**/admin/shop_order/inspect/{order.pk}/")
    page.a11y.check()
    page.get_by_role("link", name="Refund").click()
    page.wait_for_url(f"**/admin/shop_order/refund/{order.pk}/")
    page.a11y.check()
    page.get_by_role("button", name="Refund $128.00").click()
    page.wait_for_selector(".help-critical")
    page.a11y.check()
    assert Order.objects.get().status == Order.Status.PAID, "a refund without a reason is refused"

    page.get_by_label("Reason").fill("The vases arrived cracked.")
    page.get_by_role("button", name="Refund $128.00").click()
    page.wait_for_url(f"**/admin/shop_order/inspect/{order.pk}/")
    page.a11y.check()
    assert f"Refunded $128.00 for {order}. Its units are back on the shelf." in body_text(page)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.refund_reason == "The vases arrived cracked."
    assert Charge.objects.get(pk=charge.pk).status == Charge.Status.REFUNDED
    assert ProductPage.objects.get(pk=vase.pk).stock_on_hand == 3
