"""An editor keeps stock per variant in the Wagtail admin: sets one variant's units from the product listing, then
exports the stock CSV, edits it as a spreadsheet would and imports it; the shop shows the new figures at once, and
no page revision was made."""

import csv
import io

import pytest
from django.contrib.auth.models import Group

from shop.factories import ProductPageFactory, ShopIndexPageFactory, product_with_variants
from shop.models import ProductPage, ProductVariant
from tests.e2e.helpers import body_text, sign_in
from website.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def on_hand(sku: str) -> int:
    return ProductVariant.objects.with_stock().get(sku=sku).stock_on_hand


def test_editor_sets_a_variants_stock_then_imports_an_edited_stock_export(home_page, page):
    # The site's Editors group holds the stock permissions (website/migrations/0005_editors_set_stock.py).
    UserFactory(username="demo-editor", is_staff=True, groups=[Group.objects.get(name="Editors")])
    index = ShopIndexPageFactory(parent=home_page)
    index.save_revision().publish()
    mug = ProductPageFactory(parent=index, title="Stoneware mug", slug="mug", sku="MUG-1", stock_on_hand=0)
    tee = product_with_variants(
        parent=index,
        title="Organic cotton tee",
        slug="tee",
        sku="TEE",
        options={"Size": "S, M"},
        variants=[{"values": ["S"], "sku": "TEE-S", "stock": 2}, {"values": ["M"], "sku": "TEE-M", "stock": 8}],
    )
    revisions = {product.pk: product.revisions.count() for product in (mug, tee)}

    page.goto("/admin/products/")
    sign_in(page, "demo-editor", then="/admin/products/")
    page.a11y.check()
    stock_cells = page.get_by_role("table").inner_text()
    assert "S TEE-S: 2 on hand, 2 available" in stock_cells and "0 on hand, sold out" in stock_cells

    # One variant, from its Set link in the listing.
    page.get_by_role("link", name="Set stock of TEE-S").click()
    page.wait_for_url("**/admin/stock/variant/**")
    page.a11y.check()
    page.get_by_role("spinbutton", name="Units on hand").fill("-1")
    page.get_by_role("button", name="Save stock").click()
    page.wait_for_selector(".help-critical")
    page.a11y.check()
    assert on_hand("TEE-S") == 2, "a negative figure is refused"
    page.get_by_role("spinbutton", name="Units on hand").fill("5")
    page.get_by_role("button", name="Save stock").click()
    page.wait_for_url("**/admin/products/")
    page.a11y.check()
    assert "Organic cotton tee — S (TEE-S): 5 on hand." in body_text(page)
    assert on_hand("TEE-S") == 5

    # The whole shop's stock, as a spreadsheet.
    page.get_by_role("button", name="Actions").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export stock CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == ["sku", "product", "options", "on_hand", "available"]
    assert ["MUG-1", "Stoneware mug", "", "0", "0"] in rows
    for row in rows[1:]:
        row[3] = {"MUG-1": "3", "TEE-M": "0"}.get(row[0], row[3])
    edited = io.StringIO()
    csv.writer(edited).writerows(rows)

    page.goto("/admin/stock/import/")
    page.a11y.check()
    page.get_by_label("Stock file (CSV)").set_input_files(
        files=[{"name": "stock.csv", "mimeType": "text/csv", "buffer": edited.getvalue().encode()}]
    )
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url("**/admin/products/")
    page.a11y.check()
    assert "Stock imported: 2 variants changed (3 rows read)." in body_text(page)
    assert (on_hand("MUG-1"), on_hand("TEE-S"), on_hand("TEE-M")) == (3, 5, 0)
    assert {product.pk: product.revisions.count() for product in ProductPage.objects.all()} == revisions

    page.goto("/shop/mug/")
    page.a11y.check()
    assert "Only 3 left" in body_text(page)
