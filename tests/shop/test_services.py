import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import close_old_connections, connection

from shop import services
from shop.factories import CartFactory, LineItemFactory
from shop.models import Cart, LineItem
from shop.selectors import CART_SESSION_KEY, cart_find, cart_summary
from shop.stock import stock_set

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


def _rows():
    return sorted(LineItem.objects.values_list("cart_id", "product_id", "quantity")), Cart.objects.count()


def test_first_add_creates_an_anonymous_cart_and_remembers_it_in_the_session(product, session):
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)

    cart = Cart.objects.get()
    assert cart.user is None
    assert session[CART_SESSION_KEY] == cart.pk
    assert (line.cart_id, line.product_id, line.quantity) == (cart.pk, product.pk, 2)


def test_adding_for_a_signed_in_user_uses_the_users_cart(product, session, user):
    services.cart_add_item(user=user, session=session, product_id=product.pk, quantity=1)

    assert Cart.objects.get().user == user
    assert CART_SESSION_KEY not in session


def test_adding_the_same_product_again_sums_into_one_line(product, session):
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=3)

    assert list(LineItem.objects.values_list("quantity", flat=True)) == [5]


def test_cart_get_or_create_returns_the_same_cart_and_never_duplicates(session, user):
    first = services.cart_get_or_create(user=ANONYMOUS, session=session)
    assert services.cart_get_or_create(user=ANONYMOUS, session=session) == first
    users = services.cart_get_or_create(user=user, session=session)
    assert services.cart_get_or_create(user=user, session=session) == users
    assert Cart.objects.count() == 2


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity must be at least 1."),
        (-3, "Quantity must be at least 1."),
        (11, "You can buy at most 10 of one product."),
        (10**30, "You can buy at most 10 of one product."),
    ],
)
def test_add_refuses_quantities_outside_one_to_the_cap_and_writes_nothing(product, session, quantity, message):
    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=quantity)

    assert refused.value.status == 400
    assert refused.value.message == message
    assert _rows() == ([], 0)
    assert CART_SESSION_KEY not in session


def test_add_refuses_going_over_the_cap_counting_what_the_line_holds(product, session):
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=8)
    before = _rows()

    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=3)

    assert refused.value.message == "You can have at most 10 of Stoneware mug in your cart; you already have 8."
    assert _rows() == before


def test_add_refuses_more_than_available_and_names_how_many_are(make_product, session):
    scarce = make_product(title="Brass pen", stock_on_hand=3)

    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=scarce.pk, quantity=4)

    assert refused.value.message == "Only 3 of Brass pen available."
    assert _rows() == ([], 0)


def test_add_counts_the_line_already_in_the_cart_against_the_stock(make_product, session):
    scarce = make_product(title="Brass pen", stock_on_hand=3)
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=scarce.pk, quantity=2)
    before = _rows()

    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=scarce.pk, quantity=2)

    assert refused.value.message == "Only 3 of Brass pen available, and you already have 2 in your cart."
    assert _rows() == before


def test_add_refuses_a_sold_out_product(make_product, session):
    sold_out = make_product(title="Mountain poster", stock_on_hand=0)

    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=sold_out.pk, quantity=1)

    assert refused.value.message == "Mountain poster is sold out."
    assert _rows() == ([], 0)


def test_add_answers_404_for_unknown_and_unpublished_products(product, session):
    product.unpublish()

    for product_id in (product.pk, 999_999):
        with pytest.raises(services.CartNotFound) as refused:
            services.cart_add_item(user=ANONYMOUS, session=session, product_id=product_id, quantity=1)
        assert refused.value.status == 404
        assert refused.value.message == "That product does not exist or is no longer on sale."
    assert _rows() == ([], 0)


def test_add_refuses_a_product_in_another_currency_than_the_cart(product, make_product, session):
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=1)
    yen = make_product(title="Tea bowl", price_amount=3000, price_currency="JPY")
    before = _rows()

    with pytest.raises(services.CartError) as refused:
        services.cart_add_item(user=ANONYMOUS, session=session, product_id=yen.pk, quantity=1)

    assert "priced in JPY and your cart is in USD" in refused.value.message
    assert _rows() == before


def test_line_price_is_always_the_products_current_price(product, session):
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)
    product.price_amount = 2000
    product.save_revision().publish()

    summary = cart_summary(cart_find(user=ANONYMOUS, session=session))

    assert summary.lines[0].line.total_amount == 4000
    assert summary.subtotal_amount == 4000
    assert summary.subtotal_display == "$40.00"


def test_update_sets_the_quantity(product, session):
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)

    services.cart_update_line(user=ANONYMOUS, session=session, line_id=line.pk, quantity=7)

    assert LineItem.objects.get().quantity == 7


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity must be at least 1."),
        (-1, "Quantity must be at least 1."),
        (11, "You can buy at most 10 of one product."),
    ],
)
def test_update_refuses_bad_quantities(product, session, quantity, message):
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)

    with pytest.raises(services.CartError) as refused:
        services.cart_update_line(user=ANONYMOUS, session=session, line_id=line.pk, quantity=quantity)

    assert refused.value.message == message
    assert LineItem.objects.get().quantity == 2


def test_update_refuses_more_than_available(make_product, session):
    scarce = make_product(title="Brass pen", stock_on_hand=4)
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=scarce.pk, quantity=2)

    with pytest.raises(services.CartError) as refused:
        services.cart_update_line(user=ANONYMOUS, session=session, line_id=line.pk, quantity=5)

    assert refused.value.message == "Only 4 of Brass pen available."
    assert LineItem.objects.get().quantity == 2


def test_update_and_remove_answer_404_for_someone_elses_line(product, session, other_user):
    theirs = LineItemFactory(cart=CartFactory(user=other_user), product=product, quantity=3)
    services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=1)
    before = _rows()

    with pytest.raises(services.CartNotFound):
        services.cart_update_line(user=ANONYMOUS, session=session, line_id=theirs.pk, quantity=1)
    with pytest.raises(services.CartNotFound):
        services.cart_remove_line(user=ANONYMOUS, session=session, line_id=theirs.pk)

    assert _rows() == before


def test_update_and_remove_answer_404_when_the_visitor_has_no_cart(product, session, user):
    line = LineItemFactory(product=product, quantity=3)

    with pytest.raises(services.CartNotFound):
        services.cart_update_line(user=user, session=session, line_id=line.pk, quantity=1)
    with pytest.raises(services.CartNotFound):
        services.cart_remove_line(user=ANONYMOUS, session=session, line_id=line.pk)

    assert LineItem.objects.get().quantity == 3


def test_remove_deletes_the_line_and_keeps_the_cart(product, session):
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)

    removed = services.cart_remove_line(user=ANONYMOUS, session=session, line_id=line.pk)

    assert removed.product == product
    assert not LineItem.objects.exists()
    assert Cart.objects.count() == 1


def test_cart_summary_refuses_to_sum_mixed_currencies(product, make_product):
    cart = CartFactory()
    LineItemFactory(cart=cart, product=product, quantity=1)
    LineItemFactory(cart=cart, product=make_product(price_currency="EUR"), quantity=1)

    summary = cart_summary(cart)

    assert summary.currency is None
    assert summary.currencies == ["EUR", "USD"]
    assert summary.subtotal_amount is None
    assert summary.item_count == 2


def test_cart_summary_flags_lines_beyond_current_stock(product):
    cart = CartFactory()
    LineItemFactory(cart=cart, product=product, quantity=5)
    stock_set(product=product, quantity=2)

    summary = cart_summary(cart)

    assert summary.lines[0].problem == "Only 2 available now: lower the quantity to continue."
    assert summary.has_problems


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_adds_cannot_push_a_line_past_the_cap(make_product):
    product = make_product(stock_on_hand=100)
    cart = CartFactory()
    LineItemFactory(cart=cart, product=product, quantity=4)
    barrier = threading.Barrier(4)
    errors = []

    def add():
        session = SessionStore()
        session[CART_SESSION_KEY] = cart.pk
        barrier.wait()
        try:
            services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=3)
        except services.CartError as error:
            errors.append(error.message)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert LineItem.objects.get().quantity == 10
    assert len(errors) == 2


def test_update_refuses_a_line_whose_product_was_unpublished(product, session):
    line = services.cart_add_item(user=ANONYMOUS, session=session, product_id=product.pk, quantity=2)
    product.unpublish()

    with pytest.raises(services.CartError) as refused:
        services.cart_update_line(user=ANONYMOUS, session=session, line_id=line.pk, quantity=1)

    assert refused.value.message == "Stoneware mug is no longer on sale; remove it from your cart."
    assert LineItem.objects.get().quantity == 2
    services.cart_remove_line(user=ANONYMOUS, session=session, line_id=line.pk)
    assert not LineItem.objects.exists()
