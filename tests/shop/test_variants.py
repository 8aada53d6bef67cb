"""Options and variants: editing them, choosing one, and everything downstream (cart, holds, orders, stock) per
variant."""

import json

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from billing import stripe_client
from billing.models import Charge
from shop.factories import product_with_variants
from shop.models import LineItem, Order, ProductPage, ProductVariant, Stock, StockHold
from shop.stock import stock_set
from website.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

TEE_OPTIONS = {"Size": "S, M, L", "Colour": "Oat, Black"}


@pytest.fixture
def tee(shop_index):
    return product_with_variants(
        parent=shop_index,
        title="Organic cotton tee",
        sku="TEE-1",
        price_amount=2500,
        requires_shipping=False,
        options=TEE_OPTIONS,
        variants=[
            {"values": ["S", "Oat"], "sku": "TEE-1-S-OAT", "stock": 4},
            {"values": ["M", "Oat"], "sku": "TEE-1-M-OAT", "stock": 5},
            {"values": ["L", "Black"], "sku": "TEE-1-L-BLK", "stock": 3, "price_amount": 2900},
            {"values": ["M", "Black"], "sku": "TEE-1-M-BLK", "stock": 0},
        ],
    )


def variant(sku) -> ProductVariant:
    return ProductVariant.objects.get(sku=sku)


def on_hand(sku) -> int:
    return Stock.objects.get(variant__sku=sku).quantity


def add(client, product, quantity=1, **options):
    data = {"product": product.pk, "quantity": quantity}
    for index, value in enumerate(options.get("values", []), start=1):
        data[f"option{index}"] = value
    if "variant" in options:
        data["variant"] = options["variant"]
    return client.post("/cart/add/", data)


def state():
    return (
        sorted(LineItem.objects.values_list("variant_id", "quantity")),
        sorted(Stock.objects.values_list("variant_id", "quantity")),
        StockHold.objects.count(),
    )


# --- The model: implicit variants, stable ids, stock outside revisions ---------------------------------------------


def test_a_product_without_options_has_one_implicit_variant_with_its_sku(make_product):
    mug = make_product(sku="MUG-9", stock_on_hand=7)

    only = mug.variants.get()
    assert (only.sku, only.label, only.stock_on_hand) == ("MUG-9", "", 7)

    mug.sku = "MUG-10"
    mug.save_revision().publish()

    assert list(mug.variants.values_list("sku", flat=True)) == ["MUG-10"]
    assert on_hand("MUG-10") == 7  # the same variant, renamed: its stock stays


def test_variant_ids_stay_and_stock_is_untouched_when_an_old_revision_is_published(tee):
    ids = dict(tee.variants.values_list("sku", "pk"))
    old = tee.save_revision()
    stock_set(variant=variant("TEE-1-M-OAT"), quantity=40)
    page = ProductPage.objects.get(pk=tee.pk)
    page.summary = "Now heavier."
    page.save_revision().publish()

    old.publish()

    assert dict(ProductVariant.objects.filter(product=tee).values_list("sku", "pk")) == ids
    assert on_hand("TEE-1-M-OAT") == 40


def test_an_old_revision_without_a_variant_deletes_it_and_its_stock_only(tee):
    page = ProductPage.objects.get(pk=tee.pk)
    before_s = variant("TEE-1-S-OAT").pk
    revision = page.save_revision()
    page = ProductPage.objects.get(pk=tee.pk)
    page.variants = [v for v in page.variants.all() if v.sku != "TEE-1-S-OAT"]
    page.save_revision().publish()
    assert not ProductVariant.objects.filter(sku="TEE-1-S-OAT").exists()
    assert not Stock.objects.filter(variant_id=before_s).exists()

    revision.publish()  # the old revision still has it: back under its old id, nothing on hand

    assert variant("TEE-1-S-OAT").pk == before_s
    assert variant("TEE-1-S-OAT").stock_on_hand == 0
    assert on_hand("TEE-1-M-OAT") == 5


# --- The editor's form --------------------------------------------------------------------------------------------


def as_typed(amount: int | None) -> str:
    """What an editor types for an amount in dollars: the admin shows and takes prices as they read (42.00)."""
    return "" if amount is None else f"{amount // 100}.{amount % 100:02d}"


def edit_data(product, *, options, variants, sku=None):
    """The edit form as the admin posts it: the product's existing variants first (each spec edits the next one;
    existing variants no spec covers are deleted), then new ones."""
    existing = list(ProductVariant.objects.filter(product=product).order_by("sort_order", "pk"))
    forms = []
    for index, spec in enumerate(variants):
        form = {
            "sku": spec["sku"],
            "price_amount": as_typed(spec.get("price_amount")),
            **{f"option{i}": value for i, value in enumerate(spec["values"], start=1)},
        }
        if index < len(existing):
            form["id"] = existing[index].pk
        forms.append(form)
    for left in existing[len(variants) :]:
        forms.append({"id": left.pk, "sku": left.sku, "price_amount": "", "DELETE": "1"})
    return nested_form_data(
        {
            "title": product.title,
            "slug": product.slug,
            "sku": sku or product.sku,
            "summary": "",
            "body": rich_text(""),
            "price_amount": as_typed(product.price_amount),
            "price_currency": product.price_currency,
            "options": inline_formset([{"name": name, "values": values} for name, values in options]),
            "variants": inline_formset(forms, initial=len(existing)),
            "gallery_images": inline_formset([]),
            "action-publish": "publish",
        }
    )


def post_edit(client, product, data):
    return client.post(reverse("wagtailadmin_pages:edit", args=[product.pk]), data)


def test_an_editor_gives_a_plain_product_options_and_variants(client, admin_user, make_product):
    cap = make_product(title="Wool cap", sku="CAP-1", stock_on_hand=4)
    client.force_login(admin_user)

    response = post_edit(
        client,
        cap,
        edit_data(
            cap,
            options=[("Colour", "Rust, Navy")],
            variants=[
                {"values": ["Rust"], "sku": "CAP-1-RUS"},
                {"values": ["Navy"], "sku": "CAP-1-NAV", "price_amount": 2400},
            ],
        ),
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert sorted(ProductVariant.objects.filter(product=cap).values_list("sku", "option1", "price_amount")) == [
        ("CAP-1-NAV", "Navy", 2400),
        ("CAP-1-RUS", "Rust", None),
    ]
    # The implicit variant became Rust and kept its stock; Navy starts with none.
    assert (on_hand("CAP-1-RUS"), on_hand("CAP-1-NAV")) == (4, 0)


@pytest.mark.parametrize(
    ("options", "variants", "message"),
    [
        ([("Size", "S, M")], [{"values": ["XL"], "sku": "T-XL"}], "XL is not a value of Size"),
        ([("Size", "S, M")], [{"values": ["S"], "sku": "T-S1"}, {"values": ["S"], "sku": "T-S2"}], "already has S"),
        ([("Size", "S, M")], [{"values": ["S"], "sku": "OTHER-1"}], "SKU OTHER-1 is already used by Other product"),
        ([("Size", "S, M")], [{"values": ["S"], "sku": "T-S"}, {"values": ["M"], "sku": "t-s"}], "used by another"),
        ([("Size", "S, M")], [], "needs at least one variant"),
        ([("Size", "S, M")], [{"values": [], "sku": "T-S"}], "Choose one of: S, M"),
        ([("Size", " , ")], [{"values": ["S"], "sku": "T-S"}], "Give at least one value"),
    ],
)
def test_bad_options_and_variants_are_refused_with_a_message_and_nothing_changes(
    client, admin_user, make_product, options, variants, message
):
    make_product(title="Other product", sku="OTHER-1")
    tee = make_product(title="Tee", sku="T-1", stock_on_hand=6)
    before = (list(ProductVariant.objects.values_list("pk", "sku")), tee.revisions.count(), on_hand("T-1"))
    client.force_login(admin_user)

    response = post_edit(client, tee, edit_data(tee, options=options, variants=variants))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (list(ProductVariant.objects.values_list("pk", "sku")), tee.revisions.count(), on_hand("T-1")) == before
    assert not ProductPage.objects.get(pk=tee.pk).options.exists()


def test_a_product_sku_used_by_another_products_variant_is_refused(client, admin_user, tee, make_product):
    mug = make_product(title="Mug", sku="MUG-1")
    client.force_login(admin_user)

    response = post_edit(client, mug, edit_data(mug, options=[], variants=[], sku="TEE-1-S-OAT"))

    assert response.status_code == 200
    assert "SKU TEE-1-S-OAT is already used by Organic cotton tee" in response.content.decode()
    assert ProductPage.objects.get(pk=mug.pk).sku == "MUG-1"


# --- Choosing on the product page --------------------------------------------------------------------------------


def test_the_product_page_has_a_select_per_option_and_the_variant_matrix(client, tee):
    html = client.get(tee.url).content.decode()

    assert '<select id="id_option1" name="option1"' in html
    assert '<select id="id_option2" name="option2"' in html
    assert "From $25.00" in html
    assert 'src="/static/js/variants.js"' in html
    start = html.index('<script id="variant-data" type="application/json">') + len(
        '<script id="variant-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["options"] == [
        {"name": "Size", "values": ["S", "M", "L"]},
        {"name": "Colour", "values": ["Oat", "Black"]},
    ]
    by_sku = {row["sku"]: row for row in data["variants"]}
    assert by_sku["TEE-1-L-BLK"]["values"] == ["L", "Black"]
    assert by_sku["TEE-1-L-BLK"]["price_display"] == "$29.00"
    assert by_sku["TEE-1-M-BLK"]["available"] == 0


def test_a_value_no_variant_can_be_bought_with_is_marked_without_javascript(client, shop_index):
    socks = product_with_variants(
        parent=shop_index,
        title="Socks",
        sku="SOCK-1",
        options={"Size": "S, M, L"},
        variants=[{"values": ["S"], "sku": "SOCK-S", "stock": 0}, {"values": ["M"], "sku": "SOCK-M", "stock": 2}],
    )

    html = client.get(socks.url).content.decode()

    assert ">S (sold out)</option>" in html
    assert ">M</option>" in html
    assert ">L (not sold)</option>" in html


def test_two_sizes_of_one_product_are_two_lines(client, tee):
    assert add(client, tee, 2, values=["M", "Oat"]).status_code == 302
    assert add(client, tee, 1, values=["L", "Black"]).status_code == 302
    assert add(client, tee, 1, values=["M", "Oat"]).status_code == 302

    lines = {line.variant.sku: line for line in LineItem.objects.select_related("variant")}
    assert {sku: line.quantity for sku, line in lines.items()} == {"TEE-1-M-OAT": 3, "TEE-1-L-BLK": 1}
    assert lines["TEE-1-L-BLK"].total_amount == 2900
    cart = client.get("/cart/", HTTP_ACCEPT="application/json").json()["cart"]
    assert sorted(line["title"] for line in cart["lines"]) == [
        "Organic cotton tee — L, Black",
        "Organic cotton tee — M, Oat",
    ]
    assert cart["subtotal"] == 3 * 2500 + 2900


@pytest.mark.parametrize(
    ("choice", "quantity", "status", "message"),
    [
        ({"values": ["XL", "Oat"]}, 1, 400, "Organic cotton tee has no Size XL"),
        ({"values": ["L", "Oat"]}, 1, 400, "Organic cotton tee is not sold in L, Oat"),
        ({"values": ["M"]}, 1, 400, "Choose a Size and Colour"),
        ({"values": []}, 1, 400, "Choose a Size and Colour"),
        ({"values": ["M", "Black"]}, 1, 400, "Organic cotton tee — M, Black is sold out"),
        ({"values": ["L", "Black"]}, 4, 400, "Only 3 of Organic cotton tee — L, Black available"),
        ({"variant": "OTHER"}, 1, 400, "That choice is not one of Organic cotton tee"),
        ({"variant": "999999"}, 1, 400, "That choice is not one of Organic cotton tee"),
    ],
)
def test_bad_choices_are_refused_with_a_message_and_change_nothing(
    client, tee, make_product, choice, quantity, status, message
):
    mug = make_product(title="Mug", sku="MUG-1")
    if choice.get("variant") == "OTHER":
        choice = {"variant": mug.variants.get().pk}
    add(client, tee, 1, values=["S", "Oat"])
    before = state()

    response = add(client, tee, quantity, **choice)

    assert response.status_code == status
    assert message in response.content.decode()
    assert state() == before


# --- Downstream: checkout, payment, stock, refunds, merge, removal -----------------------------------------------


def test_a_shopper_buys_two_variants_in_one_order_and_stock_moves_per_variant(
    stripe_sandbox, client, user, tee, django_capture_on_commit_callbacks
):
    client.force_login(user)
    add(client, tee, 2, values=["M", "Oat"])
    add(client, tee, 1, values=["L", "Black"])

    response = client.post("/cart/checkout/")

    assert response.status_code == 303
    order = Order.objects.get()
    assert [
        (line.title, line.option_values, line.sku, line.unit_price_amount, line.quantity) for line in order.lines.all()
    ] == [
        ("Organic cotton tee", "M, Oat", "TEE-1-M-OAT", 2500, 2),
        ("Organic cotton tee", "L, Black", "TEE-1-L-BLK", 2900, 1),
    ]
    assert order.total_amount == 2 * 2500 + 2900
    assert sorted(StockHold.objects.values_list("variant__sku", "quantity")) == [("TEE-1-L-BLK", 1), ("TEE-1-M-OAT", 2)]
    charge = Charge.objects.for_object(order).get()
    session = stripe_client.retrieve_checkout_session(charge.stripe_checkout_session_id)
    items = stripe_client.get_client().v1.checkout.sessions.line_items.list(session["id"]).to_dict()["data"]
    assert [(item["description"], item["quantity"]) for item in items] == [
        ("Organic cotton tee — M, Oat", 2),
        ("Organic cotton tee — L, Black", 1),
    ]

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(client)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert {sku: on_hand(sku) for sku in ("TEE-1-S-OAT", "TEE-1-M-OAT", "TEE-1-L-BLK", "TEE-1-M-BLK")} == {
        "TEE-1-S-OAT": 4,
        "TEE-1-M-OAT": 3,
        "TEE-1-L-BLK": 2,
        "TEE-1-M-BLK": 0,
    }
    assert not LineItem.objects.exists()
    assert "Organic cotton tee — M, Oat" in mail.outbox[0].body


def test_a_variant_sold_out_before_payment_is_refunded(
    stripe_sandbox, client, user, tee, django_capture_on_commit_callbacks
):
    client.force_login(user)
    add(client, tee, 2, values=["M", "Oat"])
    client.post("/cart/checkout/")
    order = Order.objects.get()
    StockHold.objects.update(expires_at=order.created_at)  # the hold ran out...
    stock_set(variant=variant("TEE-1-M-OAT"), quantity=1)  # ...and the units went elsewhere
    charge = Charge.objects.for_object(order).get()

    stripe_sandbox.pay_checkout_session(charge.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_sandbox.deliver_events(client)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert "Organic cotton tee — M, Oat sold out" in order.refund_reason
    assert on_hand("TEE-1-M-OAT") == 1
    assert on_hand("TEE-1-S-OAT") == 4


def test_a_removed_variant_leaves_the_cart_with_a_message_and_orders_keep_their_copy(
    stripe_sandbox, client, user, tee, django_capture_on_commit_callbacks
):
    client.force_login(user)
    add(client, tee, 1, values=["M", "Oat"])
    client.post("/cart/checkout/")
    order = Order.objects.get()
    add(client, tee, 1, values=["S", "Oat"])
    page = ProductPage.objects.get(pk=tee.pk)
    page.variants = [v for v in page.variants.all() if v.sku not in ("TEE-1-M-OAT", "TEE-1-S-OAT")]
    page.save_revision().publish()

    response = client.get("/cart/")

    messages = [str(message) for message in response.context["messages"]]
    assert "Organic cotton tee — M, Oat is no longer sold and was removed from your cart." in messages
    assert "Organic cotton tee — S, Oat is no longer sold and was removed from your cart." in messages
    assert not LineItem.objects.exists()
    line = order.lines.get()
    assert (line.variant, line.display_name, line.sku) == (None, "Organic cotton tee — M, Oat", "TEE-1-M-OAT")
    assert not StockHold.objects.exists()


def test_checkout_drops_a_line_whose_variant_was_removed_and_says_so(client, user, tee):
    client.force_login(user)
    add(client, tee, 1, values=["M", "Oat"])
    add(client, tee, 1, values=["S", "Oat"])
    variant("TEE-1-M-OAT").delete()

    response = client.post("/cart/checkout/", follow=True)

    assert (
        "Organic cotton tee — M, Oat is no longer sold, so we removed it from your cart." in response.content.decode()
    )
    assert not Order.objects.exists()
    assert list(LineItem.objects.values_list("variant__sku", flat=True)) == ["TEE-1-S-OAT"]


def test_sign_in_merges_lines_per_variant(client, user, tee):
    add(client, tee, 2, values=["M", "Oat"])
    add(client, tee, 1, values=["S", "Oat"])
    own = Client_for(user)
    add(own, tee, 1, values=["M", "Oat"])

    response = client.post(
        "/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD, "next": "/cart/"}, follow=True
    )

    assert response.status_code == 200
    assert sorted(LineItem.objects.filter(cart__user=user).values_list("variant__sku", "quantity")) == [
        ("TEE-1-M-OAT", 3),
        ("TEE-1-S-OAT", 1),
    ]


def Client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# --- Listings ---------------------------------------------------------------------------------------------------


def test_listing_says_from_when_prices_differ_and_sold_out_only_when_every_variant_is(client, shop_index, tee):
    product_with_variants(
        parent=shop_index,
        title="Cap",
        sku="CAP-1",
        price_amount=2200,
        options={"Colour": "Rust, Navy"},
        variants=[{"values": ["Rust"], "sku": "CAP-R", "stock": 0}, {"values": ["Navy"], "sku": "CAP-N", "stock": 0}],
    )

    html = client.get("/shop/").content.decode()

    tee_card = html[html.index("Organic cotton tee") :]
    assert "From $25.00" in tee_card[: tee_card.index("</li>")]
    assert "Sold out" not in tee_card[: tee_card.index("</li>")]
    cap_card = html[html.index(">Cap<") :]
    assert "$22.00" in cap_card[: cap_card.index("</li>")]
    assert "From" not in cap_card[: cap_card.index("</li>")]
    assert "Sold out" in cap_card[: cap_card.index("</li>")]


def test_product_availability_is_the_sum_of_its_variants(tee):
    product = ProductPage.objects.with_availability().get(pk=tee.pk)

    assert product.available_quantity == 4 + 5 + 3
    assert product.has_price_range and product.price_from_amount == 2500


@pytest.mark.parametrize("url", ["product", "/shop/"])
def test_queries_do_not_grow_with_the_number_of_variants(client, shop_index, django_assert_num_queries, url):
    def make(count, n):
        sizes = [f"S{i}" for i in range(count)]
        return product_with_variants(
            parent=shop_index,
            title=f"Tee {n}",
            sku=f"TEE-{n}",
            options={"Size": ", ".join(sizes)},
            variants=[{"values": [size], "sku": f"TEE-{n}-{size}", "stock": 2} for size in sizes],
        )

    def count_queries(product):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(product.url if url == "product" else url)
        assert response.status_code == 200
        return len(captured)

    one = make(1, 1)
    count_queries(one)  # once to fill what any first request reads (content types and the like)
    few = count_queries(one)
    many = make(12, 2)
    assert count_queries(many) == few


def test_the_order_csv_lists_each_line_with_its_options_and_sku(client, admin_user, user, tee, stripe_sandbox):
    shopper = Client_for(user)
    add(shopper, tee, 2, values=["M", "Oat"])
    shopper.post("/cart/checkout/")
    client.force_login(admin_user)

    response = client.get(reverse("shop_order:index") + "?export=csv")

    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert "2 x Organic cotton tee — M, Oat (TEE-1-M-OAT)" in body


def test_a_copy_of_a_product_leaves_its_skus_behind_and_opens_in_the_editor(client, admin_user, tee):
    copy = tee.copy(update_attrs={"title": "Tee copy", "slug": "tee-copy"}, keep_live=False)

    assert copy.sku is None
    assert not ProductVariant.objects.filter(product=copy).exists()
    assert [option.name for option in copy.options.all()] == ["Size", "Colour"]
    client.force_login(admin_user)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[copy.pk])).status_code == 200


def test_a_variants_price_is_typed_as_it_reads_in_the_products_currency(client, admin_user, shop_index):
    client.force_login(admin_user)
    cap = product_with_variants(
        parent=shop_index,
        title="Yen cap",
        sku="YCAP-1",
        price_amount=2000,
        price_currency="JPY",
        options={"Colour": "Navy, Red"},
        variants=[{"values": ["Navy"], "sku": "YCAP-1-NAV"}, {"values": ["Red"], "sku": "YCAP-1-RED"}],
    )
    data = edit_data(
        cap,
        options=[("Colour", "Navy, Red")],
        variants=[{"values": ["Navy"], "sku": "YCAP-1-NAV"}, {"values": ["Red"], "sku": "YCAP-1-RED"}],
    )
    data["price_amount"] = "¥2,000"
    data["variants-1-price_amount"] = "2,400.5"  # yen have no decimals: refused, nothing saved
    response = post_edit(client, cap, data)
    assert response.status_code == 200
    assert "JPY has no decimal places" in response.content.decode()
    assert ProductVariant.objects.get(sku="YCAP-1-RED").price_amount is None

    data["variants-1-price_amount"] = "¥2,400"
    assert post_edit(client, cap, data).status_code == 302
    assert ProductVariant.objects.get(sku="YCAP-1-RED").price_amount == 2400
    page = client.get(reverse("wagtailadmin_pages:edit", args=[cap.pk])).content.decode()
    assert 'value="2,400"' in page  # shown back as it reads, not as 2400 minor units
