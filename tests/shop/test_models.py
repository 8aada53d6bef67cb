import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from shop.factories import CartFactory, LineItemFactory, ProductPageFactory, ShopIndexPageFactory
from shop.models import Cart, LineItem, ProductPage, ShopIndexPage
from shop.stock import stock_set
from website.models import HomePage

pytestmark = pytest.mark.django_db


class TestShopPageRules(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()
        cls.shop = ShopIndexPageFactory(parent=cls.home)
        cls.product = ProductPageFactory(parent=cls.shop, title="Stoneware mug", images=1)

    def test_shop_index_lives_only_under_the_home_page(self):
        self.assertAllowedParentPageTypes(ShopIndexPage, {HomePage})
        self.assertCanNotCreateAt(Page, ShopIndexPage)
        self.assertCanNotCreateAt(ShopIndexPage, ShopIndexPage)

    def test_only_one_shop_index(self):
        # One exists already, so max_count forbids a second even where the type is allowed.
        assert not ShopIndexPage.can_create_at(self.home)

    def test_products_live_only_under_the_shop_index_and_have_no_children(self):
        self.assertCanCreateAt(ShopIndexPage, ProductPage)
        self.assertAllowedSubpageTypes(ShopIndexPage, {ProductPage})
        self.assertAllowedParentPageTypes(ProductPage, {ShopIndexPage})
        self.assertAllowedSubpageTypes(ProductPage, {})
        self.assertCanNotCreateAt(HomePage, ProductPage)

    def test_shop_index_is_at_slash_shop(self):
        assert self.shop.url == "/shop/"

    def test_pages_are_renderable(self):
        self.assertPageIsRenderable(self.shop)
        self.assertPageIsRenderable(self.product)

    def test_pages_are_editable_and_previewable_in_the_admin(self):
        self.login()
        self.assertPageIsEditable(self.product)
        self.assertPageIsPreviewable(self.product)

    def test_editor_can_create_a_product_through_the_admin(self):
        self.login()
        self.assertCanCreate(
            self.shop,
            ProductPage,
            nested_form_data(
                {
                    "title": "Brass pen",
                    "slug": "brass-pen",
                    "sku": "PEN-9",
                    "summary": "Machined brass.",
                    "body": '{"blocks": [], "entityMap": {}}',
                    "price_amount": "45.00",
                    "price_currency": "USD",
                    "options": inline_formset([]),
                    "variants": inline_formset([]),
                    "gallery_images": inline_formset([]),
                }
            ),
        )
        product = ProductPage.objects.get(sku="PEN-9")
        assert product.live
        # Without options: its one implicit variant, with the product's SKU.
        assert list(product.variants.values_list("sku", flat=True)) == ["PEN-9"]
        assert product.price_amount == 4500


def test_sku_is_unique_in_validation_and_in_the_database(make_product):
    make_product(sku="MUG-1")
    other = make_product(sku="MUG-2")

    with pytest.raises(ValidationError, match="SKU already exists"):
        make_product(sku="MUG-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductPage.objects.filter(pk=other.pk).update(sku="MUG-1")


def test_sku_and_price_are_validated(make_product):
    product = make_product()
    product.sku = "has spaces"
    product.price_amount = 0

    with pytest.raises(ValidationError) as invalid:
        product.full_clean()

    assert set(invalid.value.message_dict) >= {"sku", "price_amount"}


def test_copying_a_product_leaves_the_sku_behind(product):
    copy = product.copy(update_attrs={"title": "Mug copy", "slug": "mug-copy"})

    assert copy.sku is None
    assert ProductPage.objects.get(pk=product.pk).sku == "MUG-1"


def test_currency_defaults_to_the_setting(settings, shop_index):
    settings.SHOP_DEFAULT_CURRENCY = "EUR"

    product = ProductPage(title="Napkins", sku="NAP-1", price_amount=900)

    assert product.price_currency == "EUR"


@pytest.mark.parametrize(
    ("stock", "label", "level"),
    [(0, "Sold out", "out"), (1, "Only 1 left", "low"), (5, "Only 5 left", "low"), (6, "In stock", "in")],
)
def test_availability_labels(make_product, stock, label, level):
    product = make_product(stock_on_hand=stock)

    assert product.available_quantity == stock
    assert product.availability_label == label
    assert product.availability_level == level
    assert product.is_sold_out is (stock == 0)


def test_with_availability_annotates_what_can_be_bought(make_product):
    make_product(title="Plenty", stock_on_hand=30)
    make_product(title="None", stock_on_hand=0)

    products = {p.title: p for p in ProductPage.objects.with_availability()}

    assert products["Plenty"].available_quantity == 30
    assert products["None"].available_quantity == 0
    assert [p.title for p in ProductPage.objects.purchasable()] == ["Plenty"]


def test_max_orderable_quantity_is_the_lower_of_cap_and_stock(make_product, settings):
    settings.SHOP_MAX_QUANTITY_PER_LINE = 10

    assert make_product(stock_on_hand=3).max_orderable_quantity == 3
    assert make_product(stock_on_hand=30).max_orderable_quantity == 10


def test_price_display_handles_zero_decimal_currencies(make_product):
    assert make_product(price_amount=1250, price_currency="JPY").price_display == "¥1,250"
    assert make_product(price_amount=1250, price_currency="GBP").price_display == "£12.50"


def test_products_are_found_by_wagtail_search(make_product):
    make_product(title="Stoneware mug", sku="MUG-42", summary="Keeps coffee warm")
    make_product(title="Brass pen", sku="PEN-1", summary="Machined")

    assert [p.title for p in ProductPage.objects.live().search("coffee")] == ["Stoneware mug"]
    assert [p.title for p in ProductPage.objects.live().autocomplete("Bra")] == ["Brass pen"]


def test_one_line_per_variant_per_cart(product):
    cart = CartFactory()
    LineItemFactory(cart=cart, product=product)

    with pytest.raises(IntegrityError), transaction.atomic():
        LineItem.objects.create(cart=cart, product=product, variant=product.variants.get(), quantity=1)


def test_line_quantity_must_be_positive(product):
    with pytest.raises(IntegrityError), transaction.atomic():
        LineItemFactory(product=product, quantity=0)


def test_one_cart_per_user_but_any_number_of_anonymous_carts(user):
    CartFactory(user=user)
    CartFactory()
    CartFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Cart.objects.create(user=user)
    assert Cart.objects.anonymous().count() == 2


def test_line_totals_use_the_products_current_price(product):
    line = LineItemFactory(product=product, quantity=3)

    assert line.total_amount == 5400
    assert line.total_display == "$54.00"
    assert line.unit_price_display == "$18.00"
    assert str(line) == "3 of Stoneware mug"


def test_factories_build_every_model(shop_index):
    line = LineItemFactory()

    assert isinstance(line.product, ProductPage)
    assert line.product.get_parent().specific == shop_index
    assert line.cart.user is None
    assert Cart.objects.count() == 1


def test_admin_product_listing_shows_sku_price_and_stock(client, admin_user, make_product):
    make_product(title="Brass pen", sku="PEN-77", price_amount=4500, stock_on_hand=4)
    make_product(title="Tea bowl", sku="BOWL-1", price_amount=3000, price_currency="JPY")
    client.force_login(admin_user)

    response = client.get("/admin/products/")
    searched = client.get("/admin/products/", {"q": "Brass"})
    by_price = client.get("/admin/products/", {"ordering": "-price_amount"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "PEN-77" in html and "$45.00" in html and "¥3,000" in html
    assert "Brass pen" in searched.content.decode() and "Tea bowl" not in searched.content.decode()
    assert by_price.status_code == 200


def test_admin_page_search_finds_products_by_sku(client, admin_user, make_product):
    make_product(title="Writing tool", sku="PEN-77")
    make_product(title="Stoneware mug", sku="MUG-1")
    client.force_login(admin_user)

    response = client.get("/admin/pages/search/", {"q": "PEN-77"})

    html = response.content.decode()
    assert "Writing tool" in html and "Stoneware mug" not in html


def test_admin_form_requires_a_sku(client, admin_user, product):
    client.force_login(admin_user)

    response = client.post(
        f"/admin/pages/{product.pk}/edit/",
        {
            "title": product.title,
            "slug": product.slug,
            "sku": "",
            "summary": "",
            "body": '{"blocks": [], "entityMap": {}}',
            "price_amount": "18.00",
            "price_currency": "USD",
            "action-publish": "publish",
        },
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert ProductPage.objects.get(pk=product.pk).sku == "MUG-1"


@pytest.mark.parametrize("query", ["PEN-77", "pen 77", "PEN77"])
def test_products_are_found_by_sku_however_it_is_typed(make_product, query):
    make_product(title="Writing tool", sku="PEN-77")
    make_product(title="Stoneware mug", sku="MUG-78")

    assert [p.title for p in ProductPage.objects.live().search(query)] == ["Writing tool"]


def test_an_unsaved_product_has_nothing_available_and_a_saved_one_reads_its_stock(product):
    unsaved = ProductPage(title="New", sku="NEW-1", price_amount=100)
    assert unsaved.available_quantity == 0

    stock_set(product=product, quantity=1)
    assert ProductPage.objects.get(pk=product.pk).availability_label == "Only 1 left"


def product_form(product, **changes) -> dict:
    variants = [{"id": variant.pk, "sku": variant.sku, "price_amount": ""} for variant in product.variants.all()]
    return {
        **nested_form_data(
            {
                "options": inline_formset([]),
                "variants": inline_formset(variants, initial=len(variants)),
                "gallery_images": inline_formset([]),
            }
        ),
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "summary": "",
        "body": '{"blocks": [], "entityMap": {}}',
        "price_amount": "18.00",
        "price_currency": "USD",
        "requires_shipping": "on",
        "action-publish": "publish",
        **changes,
    }


def test_editors_read_and_type_a_product_price_in_dollars_and_it_is_stored_in_cents(client, admin_user, product):
    client.force_login(admin_user)
    url = f"/admin/pages/{product.pk}/edit/"
    assert 'value="18.00"' in client.get(url).content.decode()

    response = client.post(url, product_form(product, price_amount="42.00"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProductPage.objects.get(pk=product.pk).price_amount == 4200
    assert 'value="42.00"' in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("42.001", "USD", "Enter an amount with at most 2 decimal places."),
        ("0.25", "USD", "Ensure this is at least $0.50."),
        ("12.5", "JPY", "Enter a whole amount: JPY has no decimal places."),
        ("forty", "USD", "Enter an amount such as 42.00."),
    ],
)
def test_a_product_price_the_shop_cannot_charge_is_refused_in_major_units(
    client, admin_user, product, typed, currency, message
):
    client.force_login(admin_user)

    response = client.post(
        f"/admin/pages/{product.pk}/edit/", product_form(product, price_amount=typed, price_currency=currency)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert ProductPage.objects.get(pk=product.pk).price_amount == 1800


def test_a_yen_price_is_typed_and_shown_in_whole_yen(client, admin_user, product):
    client.force_login(admin_user)
    url = f"/admin/pages/{product.pk}/edit/"

    assert client.post(url, product_form(product, price_amount="¥1,250", price_currency="JPY")).status_code == 302

    stored = ProductPage.objects.get(pk=product.pk)
    assert (stored.price_amount, stored.price_currency) == (1250, "JPY")
    assert 'value="1,250"' in client.get(url).content.decode()
