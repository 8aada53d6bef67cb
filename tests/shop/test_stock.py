"""Stock on hand is live data in shop.Stock, outside the page and its revisions (shop.stock writes it)."""

import pytest

from shop.models import ProductPage, Stock
from shop.stock import StockError, stock_change, stock_quantities, stock_set

pytestmark = pytest.mark.django_db


def on_hand(product) -> int:
    return ProductPage.objects.get(pk=product.pk).stock_on_hand


def variant_id(product) -> int:
    return product.variants.get().pk


def test_publishing_an_old_revision_leaves_the_stock_sales_left(product):
    old_revision = product.save_revision()
    stock_change(variant_id=variant_id(product), delta=-3)

    old_revision.publish()

    assert on_hand(product) == 17


def test_saving_a_page_loaded_before_a_sale_keeps_the_sale(product):
    loaded = ProductPage.objects.get(pk=product.pk)
    stock_change(variant_id=variant_id(product), delta=-5)

    loaded.summary = "Now glazed in blue."
    loaded.save_revision().publish()

    fresh = ProductPage.objects.get(pk=product.pk)
    assert fresh.stock_on_hand == 15
    assert fresh.summary == "Now glazed in blue."


def test_revisions_carry_no_stock_figure(product):
    revision = product.save_revision()

    assert "stock" not in str(revision.content)


def test_a_sale_never_takes_stock_below_zero(product):
    stock_change(variant_id=variant_id(product), delta=-25)

    assert on_hand(product) == 0


def test_a_restock_of_a_product_without_a_stock_row_makes_one(product):
    Stock.objects.filter(variant__product=product).delete()

    stock_change(variant_id=variant_id(product), delta=2)

    assert on_hand(product) == 2


def test_an_editor_sets_a_negative_figure_and_nothing_changes(product):
    with pytest.raises(StockError):
        stock_set(product=product, quantity=-1)

    assert on_hand(product) == 20


def test_stock_quantities_reads_many_products_at_once(make_product, django_assert_num_queries):
    first, second = make_product(stock_on_hand=3), make_product(stock_on_hand=0)
    ids = [variant_id(first), variant_id(second)]

    with django_assert_num_queries(1):
        assert stock_quantities(variant_ids=ids) == {ids[0]: 3, ids[1]: 0}


def test_a_new_product_starts_with_a_stock_row_of_none(shop_index):
    product = ProductPage(title="Fresh", slug="fresh", sku="FRESH-1", price_amount=100)
    shop_index.add_child(instance=product)

    assert Stock.objects.get(variant__product=product).quantity == 0


def test_an_editor_sets_stock_in_the_admin_without_a_page_revision(client, admin_user, product):
    client.force_login(admin_user)
    revisions_before = product.revisions.count()
    stock = Stock.objects.get(variant__product=product)
    stock_change(variant_id=variant_id(product), delta=-4)

    response = client.post(f"/admin/stock/edit/{stock.pk}/", {"quantity": "35"})

    assert response.status_code == 302
    assert on_hand(product) == 35
    assert product.revisions.count() == revisions_before


def test_the_product_edit_form_has_no_stock_field(client, admin_user, product):
    client.force_login(admin_user)

    html = client.get(f"/admin/pages/{product.pk}/edit/").content.decode()

    assert 'name="stock_on_hand"' not in html
    assert "Stock is live data" in html
