import pytest
from django.contrib.sessions.backends.db import SessionStore

from shop.factories import ProductPageFactory, ShopIndexPageFactory


@pytest.fixture
def shop_index(home_page):
    return ShopIndexPageFactory(parent=home_page)


@pytest.fixture
def make_product(shop_index):
    def make(**kwargs):
        return ProductPageFactory(parent=shop_index, **kwargs)

    return make


@pytest.fixture
def product(make_product):
    return make_product(title="Stoneware mug", sku="MUG-1", price_amount=1800, stock_on_hand=20)


@pytest.fixture
def session(db):
    store = SessionStore()
    store.create()
    return store
