import json

import pytest
from django.test import Client

from shop.factories import CartFactory, ImageFactory, LineItemFactory
from shop.models import Cart, LineItem, ProductPage
from shop.selectors import CART_SESSION_KEY
from shop.stock import stock_set

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _rows():
    return sorted(LineItem.objects.values_list("cart_id", "product_id", "quantity")), Cart.objects.count()


def _error(response, *, as_json: bool) -> str:
    if as_json:
        body = response.json()
        assert body["ok"] is False
        return body["error"]
    html = response.content.decode()
    assert "<h1>Your cart was not changed</h1>" in html
    return html


# --- Listing -----------------------------------------------------------------------------------


def test_listing_shows_live_products_with_image_price_and_availability(client, make_product):
    make_product(title="Stoneware mug", price_amount=1800, stock_on_hand=40, images=[ImageFactory(title="mug")])
    make_product(title="Brass pen", price_amount=4500, stock_on_hand=2)
    make_product(title="Poster", stock_on_hand=0)
    make_product(title="Tea bowl", price_amount=3000, price_currency="JPY")
    draft = make_product(title="Secret draft")
    draft.unpublish()

    response = client.get("/shop/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Stoneware mug" in html and "$18.00" in html and "In stock" in html
    assert "Only 2 left" in html
    assert "Sold out" in html
    assert "¥3,000" in html
    assert "Secret draft" not in html
    # The card's picture links to the product (hidden from screen readers: the title's link is the one they hear).
    mug_url = ProductPage.objects.get(title="Stoneware mug").url
    assert f'<a href="{mug_url}" class="product-card__media" tabindex="-1" aria-hidden="true">' in html
    assert ".fill-300x225." in html and 'type="image/webp"' in html
    assert '<label for="shop-q">Search products</label>' in html


def test_listing_paginates_by_24_and_tolerates_bad_page_numbers(client, make_product):
    for number in range(30):
        make_product(title=f"Item {number:02d}")

    first = client.get("/shop/")
    second = client.get("/shop/?page=2")
    junk = client.get("/shop/?page=banana")
    too_far = client.get("/shop/?page=99")

    assert len(first.context["listing"].products) == 24
    assert len(second.context["listing"].products) == 6
    assert junk.status_code == 200 and junk.context["listing"].page.number == 1
    assert too_far.status_code == 200 and too_far.context["listing"].page.number == 2
    assert 'rel="next"' in first.content.decode()


def test_a_later_page_of_a_sorted_listing_holds_that_window_in_order_with_availability(client, make_product):
    for number in range(1, 31):
        make_product(title=f"Item {number:02d}", price_amount=100 * number, stock_on_hand=number % 4)

    products = client.get("/shop/?sort=-price&page=2").context["listing"].products

    assert [product.title for product in products] == [f"Item {number:02d}" for number in range(6, 0, -1)]
    assert [product.available_quantity for product in products] == [number % 4 for number in range(6, 0, -1)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Cheap", "Middle", "Dear"]),
        ("-price", ["Dear", "Middle", "Cheap"]),
        ("newest", ["Newest", "Middle", "Oldest"]),
        ("nonsense", ["Newest", "Middle", "Oldest"]),
        ("", ["Newest", "Middle", "Oldest"]),
    ],
)
def test_listing_sorts_by_newest_and_price_and_ignores_unknown_sorts(client, make_product, sort, expected):
    from datetime import UTC, datetime

    specs = [("Oldest", "Cheap", 100, 1), ("Middle", "Middle", 500, 2), ("Newest", "Dear", 900, 3)]
    for age_title, price_title, price, day in specs:
        product = make_product(title=f"{age_title}|{price_title}", price_amount=price)
        product.first_published_at = datetime(2026, 1, day, tzinfo=UTC)
        product.save()

    response = client.get("/shop/", {"sort": sort})

    assert response.status_code == 200
    titles = [product.title for product in response.context["listing"].products]
    position = 1 if sort in ("price", "-price") else 0
    assert [title.split("|")[position] for title in titles] == expected


def test_listing_search_finds_products_by_title_summary_and_sku(client, make_product):
    make_product(title="Stoneware mug", summary="Keeps coffee warm", sku="MUG-77")
    make_product(title="Brass pen", summary="Machined brass", sku="PEN-01")

    by_title = client.get("/shop/", {"q": "mug"})
    by_summary = client.get("/shop/", {"q": "machined"})
    nothing = client.get("/shop/", {"q": "zeppelin"})

    assert [p.title for p in by_title.context["listing"].products] == ["Stoneware mug"]
    assert [p.title for p in by_summary.context["listing"].products] == ["Brass pen"]
    assert list(nothing.context["listing"].products) == []
    assert "No products match your search" in nothing.content.decode()


def test_listing_does_not_create_a_cart(client, product):
    client.get("/shop/")
    client.get(product.url)
    client.get("/cart/")

    assert Cart.objects.count() == 0


# --- Product page ------------------------------------------------------------------------------


def test_product_page_shows_price_availability_and_an_add_to_cart_form(client, make_product):
    product = make_product(title="Brass pen", price_amount=4500, stock_on_hand=3)

    response = client.get(product.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "$45.00" in html and "Only 3 left" in html
    assert 'action="/cart/add/"' in html
    assert '<label for="id_quantity">Quantity</label>' in html
    assert 'type="number" name="quantity" value="1" min="1" max="3"' in html
    assert "csrfmiddlewaretoken" in html


def test_product_page_caps_the_quantity_input_at_the_per_line_cap(client, product):
    html = client.get(product.url).content.decode()

    assert 'max="10"' in html


def test_sold_out_product_page_disables_the_form(client, make_product):
    product = make_product(title="Poster", stock_on_hand=0)

    html = client.get(product.url).content.decode()

    assert '<button type="submit" class="button" disabled>Sold out</button>' in html
    assert "disabled" in html.split('name="quantity"')[1].split(">")[0]


# --- Cart endpoints: success -------------------------------------------------------------------


def test_form_add_redirects_back_with_a_message(client, product):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": 2, "next": product.url}, follow=True)

    assert response.redirect_chain == [(product.url, 302)]
    assert "Added 2 of Stoneware mug to your cart (you now have 2)." in response.content.decode()
    assert LineItem.objects.get().quantity == 2


def test_form_add_ignores_an_offsite_next(client, product):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1, "next": "https://evil.example/"})

    assert response["Location"] == "/cart/"


def test_json_add_answers_the_cart(client, product):
    response = client.post("/cart/add/", {"product": product.pk, "quantity": 3}, **JSON)

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["cart"]["item_count"] == 3
    assert body["cart"]["subtotal"] == 5400
    assert body["cart"]["subtotal_display"] == "$54.00"
    assert body["cart"]["lines"][0]["product"] == product.pk


def test_price_sent_by_the_client_is_ignored(client, product):
    client.post("/cart/add/", {"product": product.pk, "quantity": 1, "price": 1, "price_amount": 1}, **JSON)

    assert client.get("/cart/", **JSON).json()["cart"]["subtotal"] == 1800


def test_update_and_remove_through_forms(client, product):
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})
    line = LineItem.objects.get()

    updated = client.post(f"/cart/lines/{line.pk}/update/", {"quantity": 5}, follow=True)
    assert updated.redirect_chain == [("/cart/", 302)]
    assert "Stoneware mug: quantity set to 5." in updated.content.decode()
    assert LineItem.objects.get().quantity == 5

    removed = client.post(f"/cart/lines/{line.pk}/remove/", follow=True)
    assert "Removed Stoneware mug from your cart." in removed.content.decode()
    assert not LineItem.objects.exists()


def test_update_and_remove_through_json(client, product):
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})
    line = LineItem.objects.get()

    updated = client.post(f"/cart/lines/{line.pk}/update/", {"quantity": 4}, **JSON)
    assert updated.json()["cart"]["item_count"] == 4

    removed = client.post(f"/cart/lines/{line.pk}/remove/", **JSON)
    assert removed.json() == {
        "ok": True,
        "message": "Removed Stoneware mug from your cart.",
        "cart": {"item_count": 0, "currency": None, "subtotal": 0, "subtotal_display": "", "lines": []},
    }


def test_cart_page_shows_lines_totals_subtotal_and_forms(client, product, make_product):
    pen = make_product(title="Brass pen", price_amount=4500, stock_on_hand=3, images=1)
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})
    client.post("/cart/add/", {"product": pen.pk, "quantity": 1})

    response = client.get("/cart/")

    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "$36.00" in html  # 2 x $18.00
    assert "$81.00" in html  # subtotal
    assert "Subtotal (3 items)" in html
    for line in LineItem.objects.all():
        assert f'action="/cart/lines/{line.pk}/update/"' in html
        assert f'action="/cart/lines/{line.pk}/remove/"' in html
        assert f'<label for="quantity-{line.pk}"' in html
    assert 'max="3"' in html


def test_empty_cart_page_says_so(client):
    response = client.get("/cart/")

    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()


def test_header_shows_the_cart_item_count(client, product, home_page):
    assert 'class="badge"' not in client.get("/").content.decode()

    client.post("/cart/add/", {"product": product.pk, "quantity": 3})

    assert 'aria-label="3 items in cart">3</span>' in client.get("/").content.decode()


def test_header_count_for_a_signed_in_user_comes_from_their_cart(client, product, user, home_page):
    LineItemFactory(cart=CartFactory(user=user), product=product, quantity=2)
    client.force_login(user)

    assert 'aria-label="2 items in cart">2</span>' in client.get("/").content.decode()


# --- Cart endpoints: refusals --------------------------------------------------------------------

ADD_REFUSALS = [
    # (post data builder, status, message)
    (lambda p: {"product": p.pk}, 400, "Enter a quantity."),
    (lambda p: {"product": p.pk, "quantity": ""}, 400, "Enter a quantity."),
    (lambda p: {"product": p.pk, "quantity": "two"}, 400, "Quantity must be a whole number."),
    (lambda p: {"product": p.pk, "quantity": "1.5"}, 400, "Quantity must be a whole number."),
    (lambda p: {"product": p.pk, "quantity": 0}, 400, "Quantity must be at least 1."),
    (lambda p: {"product": p.pk, "quantity": -2}, 400, "Quantity must be at least 1."),
    (lambda p: {"product": p.pk, "quantity": 11}, 400, "You can buy at most 10 of one product."),
    (lambda p: {"product": p.pk, "quantity": "9" * 40}, 400, "You can buy at most 10 of one product."),
    (lambda p: {"quantity": 1}, 400, "Choose a product to add."),
    (lambda p: {"product": "mug", "quantity": 1}, 400, "The product must be given by its number."),
    (lambda p: {"product": "9" * 40, "quantity": 1}, 400, "That product does not exist."),
    (lambda p: {"product": 987654, "quantity": 1}, 404, "That product does not exist or is no longer on sale."),
]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
@pytest.mark.parametrize(("data", "status", "message"), ADD_REFUSALS)
def test_add_refuses_bad_input_with_a_message_and_changes_nothing(client, product, as_json, data, status, message):
    client.post("/cart/add/", {"product": product.pk, "quantity": 1})
    before = _rows()

    response = client.post("/cart/add/", data(product), **(JSON if as_json else {}))

    assert response.status_code == status
    assert message in _error(response, as_json=as_json)
    assert _rows() == before


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_add_refuses_more_than_available_naming_how_many(client, make_product, as_json):
    pen = make_product(title="Brass pen", stock_on_hand=2)

    response = client.post("/cart/add/", {"product": pen.pk, "quantity": 3}, **(JSON if as_json else {}))

    assert response.status_code == 400
    assert "Only 2 of Brass pen available." in _error(response, as_json=as_json)
    assert _rows() == ([], 0)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_add_refuses_an_unpublished_product_with_404(client, product, as_json):
    product.unpublish()

    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1}, **(JSON if as_json else {}))

    assert response.status_code == 404
    assert "no longer on sale" in _error(response, as_json=as_json)
    assert _rows() == ([], 0)
    assert CART_SESSION_KEY not in client.session


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_add_refuses_going_over_the_cap_across_adds(client, product, as_json):
    client.post("/cart/add/", {"product": product.pk, "quantity": 9})
    before = _rows()

    response = client.post("/cart/add/", {"product": product.pk, "quantity": 2}, **(JSON if as_json else {}))

    assert response.status_code == 400
    assert "at most 10 of Stoneware mug" in _error(response, as_json=as_json)
    assert _rows() == before


UPDATE_REFUSALS = [
    ({}, "Enter a quantity."),
    ({"quantity": "lots"}, "Quantity must be a whole number."),
    ({"quantity": 0}, "Quantity must be at least 1."),
    ({"quantity": -1}, "Quantity must be at least 1."),
    ({"quantity": 11}, "You can buy at most 10 of one product."),
    ({"quantity": "9" * 40}, "You can buy at most 10 of one product."),
    ({"quantity": 6}, "Only 5 of Stoneware mug available."),
]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
@pytest.mark.parametrize(("data", "message"), UPDATE_REFUSALS)
def test_update_refuses_bad_input_with_a_message_and_changes_nothing(client, product, as_json, data, message):
    stock_set(product=product, quantity=5)
    client.post("/cart/add/", {"product": product.pk, "quantity": 2})
    line = LineItem.objects.get()
    before = _rows()

    response = client.post(f"/cart/lines/{line.pk}/update/", data, **(JSON if as_json else {}))

    assert response.status_code == 400
    assert message in _error(response, as_json=as_json)
    assert _rows() == before


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
@pytest.mark.parametrize("action", ["update", "remove"])
def test_someone_elses_line_answers_404_and_stays(client, product, other_user, as_json, action):
    theirs = LineItemFactory(cart=CartFactory(user=other_user), product=product, quantity=3)
    client.post("/cart/add/", {"product": product.pk, "quantity": 1})
    before = _rows()

    response = client.post(f"/cart/lines/{theirs.pk}/{action}/", {"quantity": 1}, **(JSON if as_json else {}))

    assert response.status_code == 404
    assert "That line is not in your cart." in _error(response, as_json=as_json)
    assert _rows() == before


@pytest.mark.parametrize("action", ["update", "remove"])
def test_unknown_and_huge_line_ids_answer_404(client, product, action):
    client.post("/cart/add/", {"product": product.pk, "quantity": 1})
    before = _rows()

    for line_id in (424242, 10**30):
        response = client.post(f"/cart/lines/{line_id}/{action}/", {"quantity": 1}, **JSON)
        assert response.status_code == 404
        assert response.json()["error"] == "That line is not in your cart."
    assert client.post(f"/cart/lines/abc/{action}/", {"quantity": 1}).status_code == 404
    assert _rows() == before


@pytest.mark.parametrize("url", ["/cart/add/", "/cart/lines/1/update/", "/cart/lines/1/remove/"])
def test_cart_endpoints_refuse_get_with_405(client, url):
    assert client.get(url).status_code == 405


def test_cart_endpoints_need_a_csrf_token(product):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1})

    assert response.status_code == 403
    assert _rows() == ([], 0)


def test_cart_endpoints_accept_a_post_with_the_csrf_token(product):
    """As static/js/csrf.js does on a cached product page: /csrf/ sets the cookie, the form sends its value."""
    client = Client(enforce_csrf_checks=True)
    html = client.get(product.url).content.decode()
    assert 'name="csrfmiddlewaretoken" value="" data-csrf-from-cookie="/csrf/"' in html
    token = client.get("/csrf/").cookies["csrftoken"].value

    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert LineItem.objects.get().quantity == 1


def test_cart_endpoints_refuse_a_post_without_the_csrf_token(product):
    client = Client(enforce_csrf_checks=True)
    client.get("/csrf/")

    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1})

    assert response.status_code == 403
    assert not LineItem.objects.exists()


def test_a_visitor_with_a_session_gets_the_token_in_the_product_form(client, product):
    client.post("/cart/add/", {"product": product.pk, "quantity": 1})

    html = client.get(product.url).content.decode()

    assert 'name="csrfmiddlewaretoken" value=""' not in html
    assert 'name="csrfmiddlewaretoken" value="' in html


def test_json_error_body_is_plain_json(client):
    response = client.post("/cart/add/", {"quantity": 1}, **JSON)

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"ok": False, "error": "Choose a product to add."}


def test_cart_page_for_a_signed_in_user_shows_their_lines_and_header_count(client, user, make_product):
    cart = CartFactory(user=user)
    LineItemFactory(cart=cart, product=make_product(title="Stoneware mug", price_amount=1800), quantity=2)
    LineItemFactory(cart=cart, product=make_product(title="Brass pen", price_amount=4500), quantity=1)
    LineItemFactory(cart=CartFactory(), product=make_product(title="Someone else's"), quantity=5)
    client.force_login(user)

    html = client.get("/cart/").content.decode()

    assert "Stoneware mug" in html and "Brass pen" in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert "Subtotal (3 items)" in html
    assert 'aria-label="3 items in cart">3</span>' in html


def test_cart_page_with_a_stale_cart_id_in_the_session_shows_an_empty_cart_and_a_zero_badge(client, home_page):
    session = client.session
    session[CART_SESSION_KEY] = 987_654
    session.save()

    html = client.get("/cart/").content.decode()

    assert "Your cart is empty." in html
    assert 'aria-label="0 items in cart">0</span>' in html
