"""Stock per variant in the Wagtail admin (shop.stock_admin): the product listing's stock column and low-stock
filter, the quick stock edit (no page revision, purges the product's cached page, permission-checked), and the stock
CSV export and import views."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.factories import product_with_variants
from shop.models import Order, ProductPage, ProductVariant, StockHold
from website.factories import UserFactory

pytestmark = pytest.mark.django_db

CACHE_STATUS = "X-Page-Cache"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def page_editor(db):
    """An editor who edits and publishes pages but was given no stock permission."""
    return stock_manager()


@pytest.fixture
def tee(shop_index):
    return product_with_variants(
        parent=shop_index,
        title="Organic cotton tee",
        sku="TEE",
        options={"Size": "S, M", "Colour": "Oat, Black"},
        variants=[
            {"values": ["S", "Oat"], "sku": "TEE-S-OAT", "stock": 30},
            {"values": ["M", "Oat"], "sku": "TEE-M-OAT", "stock": 0},
            {"values": ["M", "Black"], "sku": "TEE-M-BLK", "stock": 12},
        ],
    )


def variant(sku: str) -> ProductVariant:
    return ProductVariant.objects.with_availability().get(sku=sku)


def stock_manager(*codenames: str):
    """Staff who edit and publish pages (Wagtail's Moderators group) with these shop permissions only (the site's
    Editors group holds the stock permissions: website/migrations/0005_editors_set_stock.py)."""
    user = UserFactory(username="stock-manager", is_staff=True, groups=["Moderators"])
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="shop", codename__in=codenames),
    )
    return user


def hold(product, sku: str, quantity: int, user) -> None:
    order = Order.objects.create(number=f"H-{sku}", user=user, currency="USD", total_amount=1250)
    StockHold.objects.create(
        order=order,
        product=product,
        variant=ProductVariant.objects.get(sku=sku),
        quantity=quantity,
        expires_at=timezone.now() + timedelta(minutes=30),
    )


def listed_titles(response) -> set[str]:
    html = response.content.decode()
    return {title for title in ("Organic cotton tee", "Stoneware mug", "Brass pen", "Glazed vase") if title in html}


def warm(client, url):
    """The first request learns the URL's page, the second stores it: the third is a hit."""
    client.get(url)
    client.get(url)
    response = client.get(url)
    assert response[CACHE_STATUS] == "hit", url
    return response


# --- The listing's stock column -------------------------------------------------------------------------------------


def test_the_product_listing_shows_each_variants_stock_with_a_link_to_set_it(admin_client, tee, user):
    hold(tee, "TEE-M-BLK", 9, user)

    html = admin_client.get("/admin/products/").content.decode()

    assert "Stock per variant" in html
    assert "S, Oat <small>TEE-S-OAT</small>:" in html
    assert "30 on hand, 30 available" in html
    assert "0 on hand, <strong>sold out</strong>" in html
    assert "12 on hand, <strong>3 available</strong>" in html  # 9 held for a buyer paying now: low
    edit_url = f"/admin/stock/variant/{variant('TEE-M-BLK').pk}/?next=/admin/products/"
    assert edit_url in html.replace("%2F", "/")


def test_a_set_link_of_filtered_results_leads_back_to_the_filtered_listing(admin_client, tee):
    # Wagtail's filter drawer fetches the rows from results/ and swaps them into the listing page.
    html = admin_client.get("/admin/products/results/", {"stock": "low", "_w_filter_fragment": "1"}).content.decode()

    assert f'/admin/stock/variant/{variant("TEE-M-OAT").pk}/?next=/admin/products/%3Fstock%3Dlow"' in html


def test_a_product_without_options_shows_its_one_variants_figures_alone(admin_client, make_product):
    mug = make_product(title="Stoneware mug", sku="MUG-1", stock_on_hand=20)

    html = admin_client.get("/admin/products/").content.decode()

    start = html.index('<ul class="shop-variant-stock">')
    cell = html[start : html.index("</ul>", start)]
    assert "MUG-1:" not in cell  # the SKU column already says it
    assert "20 on hand, 20 available" in cell
    assert f"/admin/stock/variant/{mug.variants.get().pk}/" in cell


def test_the_listing_costs_the_same_queries_for_one_product_or_ten(admin_client, shop_index):
    def make(number):
        product_with_variants(
            parent=shop_index,
            title=f"Tee {number}",
            sku=f"T{number}",
            options={"Size": "S, M"},
            variants=[{"values": ["S"], "sku": f"T{number}-S"}, {"values": ["M"], "sku": f"T{number}-M", "stock": 2}],
        )

    make(0)
    admin_client.get("/admin/products/")  # warm the caches of the first request (site root, content types)
    with CaptureQueriesContext(connection) as one:
        first = admin_client.get("/admin/products/")
    for number in range(1, 10):
        make(number)
    with CaptureQueriesContext(connection) as ten:
        second = admin_client.get("/admin/products/")

    assert first.content.decode().count("on hand,") == 2
    assert second.content.decode().count("on hand,") == 20
    assert len(ten) == len(one), [query["sql"] for query in ten.captured_queries]


def test_the_listing_shows_set_links_only_to_those_who_may_change_stock(client, tee):
    client.force_login(stock_manager("view_stock"))

    html = client.get("/admin/products/").content.decode()

    assert "30 on hand" in html
    assert "/admin/stock/variant/" not in html
    assert "Export stock CSV" in html and "Import stock CSV" not in html


def test_the_listing_offers_the_stock_csv_to_a_superuser(admin_client, tee):
    html = admin_client.get("/admin/products/").content.decode()

    assert 'href="/admin/stock/export/"' in html and 'href="/admin/stock/import/"' in html
    stock_list = admin_client.get("/admin/stock/").content.decode()
    assert 'href="/admin/stock/export/"' in stock_list and 'href="/admin/stock/import/"' in stock_list


# --- The low-stock filter -------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(tee, make_product, user):
    """The tee (a size sold out), a mug in good supply, a pen with 4 left, a vase held to its last unit."""
    make_product(title="Stoneware mug", sku="MUG-1", stock_on_hand=20)
    make_product(title="Brass pen", sku="PEN-77", stock_on_hand=4)
    vase = make_product(title="Glazed vase", sku="VASE-1", stock_on_hand=10)
    hold(vase, "VASE-1", 10, user)
    return tee


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Organic cotton tee", "Stoneware mug", "Brass pen", "Glazed vase"}),
        ({"stock": "low"}, {"Organic cotton tee", "Brass pen", "Glazed vase"}),
        ({"stock": "variant_out"}, {"Organic cotton tee", "Glazed vase"}),
        ({"stock": "sold_out"}, {"Glazed vase"}),
        ({"variant_available_at_most": "12"}, {"Organic cotton tee", "Brass pen", "Glazed vase"}),
        ({"variant_available_at_most": "3"}, {"Organic cotton tee", "Glazed vase"}),
        ({"stock": "low", "q": "pen"}, {"Brass pen"}),
    ],
)
def test_the_low_stock_filter_judges_what_shoppers_can_buy_now(admin_client, catalogue, params, expected):
    response = admin_client.get("/admin/products/", params)

    assert response.status_code == 200
    assert listed_titles(response) == expected


@pytest.mark.parametrize("value", ["-1", "2.5", "lots"])
def test_a_bad_low_stock_figure_is_refused_and_filters_nothing(admin_client, catalogue, value):
    response = admin_client.get("/admin/products/", {"variant_available_at_most": value})

    assert response.status_code == 200
    assert listed_titles(response) == {"Organic cotton tee", "Stoneware mug", "Brass pen", "Glazed vase"}
    # The filter form shows the figure's field in error (Wagtail applies no filter of an invalid filter form).
    assert 'w-field--error" data-field data-contentpath="variant_available_at_most"' in response.content.decode()


# --- The quick stock edit -------------------------------------------------------------------------------------------


def test_an_editor_sets_a_variants_stock_without_a_page_revision_and_its_page_is_purged(admin_client, tee):
    shopper = Client()
    warm(shopper, "/shop/organic-cotton-tee/")
    revisions = tee.revisions.count()
    latest = ProductPage.objects.get(pk=tee.pk).latest_revision_id
    url = f"/admin/stock/variant/{variant('TEE-M-OAT').pk}/"

    form = admin_client.get(url, {"next": "/admin/products/?stock=low"})
    response = admin_client.post(url, {"on_hand": "7", "next": "/admin/products/?stock=low"})

    assert form.status_code == 200
    assert 'name="on_hand"' in form.content.decode() and "M, Oat (SKU TEE-M-OAT): 0 on hand" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/admin/products/?stock=low"
    assert variant("TEE-M-OAT").stock_on_hand == 7
    assert (variant("TEE-S-OAT").stock_on_hand, variant("TEE-M-BLK").stock_on_hand) == (30, 12)
    assert tee.revisions.count() == revisions
    assert ProductPage.objects.get(pk=tee.pk).latest_revision_id == latest
    assert "TEE-M-OAT): 7 on hand." in admin_client.get("/admin/products/").content.decode()
    assert shopper.get("/shop/organic-cotton-tee/")[CACHE_STATUS] == "miss"


@pytest.mark.parametrize("value", ["-3", "2.5", "", "many", "99999999999"])
def test_a_bad_stock_figure_is_refused_with_a_message_and_nothing_changes(admin_client, tee, value):
    response = admin_client.post(f"/admin/stock/variant/{variant('TEE-M-BLK').pk}/", {"on_hand": value})

    assert response.status_code == 200
    assert "help-critical" in response.content.decode()
    assert variant("TEE-M-BLK").stock_on_hand == 12


def test_a_stock_edit_never_sends_the_editor_to_another_site(admin_client, tee):
    url = f"/admin/stock/variant/{variant('TEE-M-BLK').pk}/"

    response = admin_client.post(url, {"on_hand": "5", "next": "https://evil.example/"})

    assert response["Location"] == "/admin/products/"


def test_the_stock_edit_of_an_unknown_variant_is_404(admin_client, tee):
    assert admin_client.get("/admin/stock/variant/999999/").status_code == 404


def test_a_plain_editor_cannot_set_stock(client, page_editor, tee):
    client.force_login(page_editor)
    url = f"/admin/stock/variant/{variant('TEE-M-BLK').pk}/"

    # The Wagtail admin answers a permission refusal by sending the user back to its home page.
    assert client.get(url)["Location"] == "/admin/"
    assert client.post(url, {"on_hand": "99"})["Location"] == "/admin/"
    assert variant("TEE-M-BLK").stock_on_hand == 12


def test_staff_with_the_stock_change_permission_set_stock(client, tee):
    client.force_login(stock_manager("change_stock"))

    response = client.post(f"/admin/stock/variant/{variant('TEE-M-BLK').pk}/", {"on_hand": "40"})

    assert response.status_code == 302
    assert variant("TEE-M-BLK").stock_on_hand == 40


# --- CSV export and import views --------------------------------------------------------------------------------


def test_the_stock_export_downloads_every_variant_as_csv(admin_client, tee):
    response = admin_client.get("/admin/stock/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stock-')
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == [
        "sku,product,options,on_hand,available",
        'TEE-S-OAT,Organic cotton tee,"S, Oat",30,30',
        'TEE-M-OAT,Organic cotton tee,"M, Oat",0,0',
        'TEE-M-BLK,Organic cotton tee,"M, Black",12,12',
    ]


def test_the_stock_export_needs_a_stock_permission(client, page_editor, tee):
    client.force_login(page_editor)

    assert client.get("/admin/stock/export/")["Location"] == "/admin/"
    html = client.get("/admin/products/").content.decode()
    assert "30 on hand" in html
    assert "Export stock CSV" not in html and "/admin/stock/variant/" not in html


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("stock.csv", text.encode(), content_type="text/csv")


def test_an_editor_imports_a_stock_file_and_is_told_how_many_variants_changed(admin_client, tee):
    shopper = Client()
    warm(shopper, "/shop/organic-cotton-tee/")
    revisions = tee.revisions.count()

    response = admin_client.post(
        "/admin/stock/import/", {"file": upload("sku,on_hand\nTEE-S-OAT,30\nTEE-M-OAT,6\nTEE-M-BLK,1\n")}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/admin/products/"
    assert "Stock imported: 2 variants changed (3 rows read)." in response.content.decode()
    assert [variant(sku).stock_on_hand for sku in ("TEE-S-OAT", "TEE-M-OAT", "TEE-M-BLK")] == [30, 6, 1]
    assert tee.revisions.count() == revisions
    assert shopper.get("/shop/organic-cotton-tee/")[CACHE_STATUS] == "miss"


def test_a_stock_file_with_problems_is_reported_row_by_row_and_nothing_changes(admin_client, tee):
    response = admin_client.post(
        "/admin/stock/import/",
        {"file": upload("sku,on_hand\nTEE-S-OAT,5\nNOPE-1,3\nTEE-M-OAT,-2\nTEE-M-BLK,x\nTEE-S-OAT,4\n")},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 4 problems to fix in the file first." in html
    assert "Row 3: unknown SKU NOPE-1" in html
    assert "Row 4: TEE-M-OAT: on hand cannot be negative (-2)." in html
    assert "Row 5: TEE-M-BLK: on hand must be a whole number, not &#x27;x&#x27;." in html
    assert "Row 6: SKU TEE-S-OAT is also on row 2" in html
    assert [variant(sku).stock_on_hand for sku in ("TEE-S-OAT", "TEE-M-OAT", "TEE-M-BLK")] == [30, 0, 12]


def test_a_stock_file_without_its_header_is_refused(admin_client, tee):
    response = admin_client.post("/admin/stock/import/", {"file": upload("TEE-S-OAT,5\n")})

    assert response.status_code == 400
    assert "Row 1: the header lacks the column sku and on_hand" in response.content.decode()
    assert variant("TEE-S-OAT").stock_on_hand == 30


def test_an_import_without_a_file_asks_for_one(admin_client, tee):
    response = admin_client.post("/admin/stock/import/", {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_plain_editor_cannot_import_stock(client, page_editor, tee):
    client.force_login(page_editor)

    assert client.get("/admin/stock/import/")["Location"] == "/admin/"
    response = client.post("/admin/stock/import/", {"file": upload("sku,on_hand\nTEE-S-OAT,1\n")})

    assert response["Location"] == "/admin/"
    assert variant("TEE-S-OAT").stock_on_hand == 30


def test_the_import_page_explains_the_file(admin_client):
    html = admin_client.get("/admin/stock/import/").content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert 'href="/admin/stock/export/"' in html
