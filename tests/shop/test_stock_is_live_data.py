"""Stock on hand changes with every sale; saving content (a revision, an editor's form) must not undo that."""

import pytest
from django.db.models import F

from shop.models import ProductPage

pytestmark = pytest.mark.django_db


def _sell(product, quantity):
    ProductPage.objects.filter(pk=product.pk).update(stock_on_hand=F("stock_on_hand") - quantity)


def test_publishing_an_old_revision_keeps_the_stock_sales_left(product):
    old_revision = product.save_revision()
    _sell(product, 3)

    old_revision.publish()

    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 17


def test_saving_a_page_loaded_before_a_sale_keeps_the_sale(product):
    loaded = ProductPage.objects.get(pk=product.pk)
    _sell(product, 5)

    loaded.summary = "Now glazed in blue."
    loaded.save_revision().publish()

    fresh = ProductPage.objects.get(pk=product.pk)
    assert fresh.stock_on_hand == 15
    assert fresh.summary == "Now glazed in blue."


def test_setting_the_stock_figure_in_code_writes_it(product):
    loaded = ProductPage.objects.get(pk=product.pk)
    _sell(product, 5)

    loaded.stock_on_hand = 40
    loaded.save()

    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 40


def _edit_form_data(product, **overrides):
    data = {
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "summary": "Edited in the admin",
        "body": '{"blocks": [], "entityMap": {}}',
        "price_amount": str(product.price_amount),
        "price_currency": product.price_currency,
        "stock_on_hand": str(product.stock_on_hand),
        "stock_on_hand_shown": str(product.stock_on_hand),
        "action-publish": "publish",
    }
    data.update(overrides)
    return data


def test_admin_edit_that_leaves_stock_alone_keeps_sales_made_while_the_form_was_open(client, admin_user, product):
    client.force_login(admin_user)
    form_opened_with = _edit_form_data(product)  # the stock figure the editor saw: 20
    _sell(product, 4)

    response = client.post(f"/admin/pages/{product.pk}/edit/", form_opened_with)

    assert response.status_code == 302
    fresh = ProductPage.objects.get(pk=product.pk)
    assert fresh.summary == "Edited in the admin"
    assert fresh.stock_on_hand == 16


def test_admin_edit_that_changes_stock_sets_the_new_figure(client, admin_user, product):
    client.force_login(admin_user)
    form = _edit_form_data(product, stock_on_hand="35")
    _sell(product, 4)

    response = client.post(f"/admin/pages/{product.pk}/edit/", form)

    assert response.status_code == 302
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 35


def test_a_stock_change_in_a_draft_applies_at_once_and_a_later_publish_keeps_it(client, admin_user, product):
    client.force_login(admin_user)
    draft = _edit_form_data(product, stock_on_hand="50")
    del draft["action-publish"]

    client.post(f"/admin/pages/{product.pk}/edit/", draft)
    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 50
    _sell(product, 2)
    ProductPage.objects.get(pk=product.pk).get_latest_revision().publish()

    assert ProductPage.objects.get(pk=product.pk).stock_on_hand == 48


def test_the_edit_form_carries_the_stock_figure_it_showed(client, admin_user, product):
    client.force_login(admin_user)

    html = client.get(f"/admin/pages/{product.pk}/edit/").content.decode()

    assert 'type="hidden" name="stock_on_hand_shown" value="20"' in html
