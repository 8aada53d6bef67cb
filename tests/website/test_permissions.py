import pytest

pytestmark = pytest.mark.django_db


def test_editors_may_see_and_refund_orders_and_charges(editor):
    for permission in ("shop.view_order", "shop.refund_order", "billing.view_charge", "billing.refund_charge"):
        assert editor.has_perm(permission), permission


def test_a_plain_user_may_not(user):
    assert not user.has_perm("shop.refund_order")
    assert not user.has_perm("billing.refund_charge")
