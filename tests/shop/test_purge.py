"""Stale carts: Cart.objects.stale(), Cart.purge_stale() in batches, the purge_carts command, the daily task."""

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_delete, pre_delete
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from shop import tasks
from shop.durations import DurationError, parse_duration
from shop.factories import CartFactory, LineItemFactory
from shop.models import Cart, LineItem, Order, StockHold

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def products(make_product):
    return [make_product(title=f"Thing {n}", sku=f"THING-{n}") for n in range(3)]


def make_carts(count, products, *, idle, user=None, lines_per_cart=3):
    """`count` carts last touched `idle` ago, each with `lines_per_cart` lines; bulk, like real traffic leaves them."""
    carts = Cart.objects.bulk_create([Cart(user=user) for _ in range(count)])
    ids = [cart.pk for cart in carts]
    Cart.objects.filter(pk__in=ids).update(updated_at=timezone.now() - idle)
    LineItem.objects.bulk_create(
        [LineItem(cart_id=cart_id, product=products[n], quantity=1) for cart_id in ids for n in range(lines_per_cart)]
    )
    return ids


def pending_order_holding_stock(user, product, *, hold_for=timedelta(minutes=30)):
    order = Order.objects.create(
        number=f"T-{Order.objects.count() + 1}", user=user, currency="USD", total_amount=product.price_amount
    )
    StockHold.objects.create(
        order=order, product=product, variant=product.variants.get(), quantity=1, expires_at=timezone.now() + hold_for
    )
    return order


# --- The query ----------------------------------------------------------------------------------


def test_a_cart_becomes_stale_one_second_after_a_week_without_activity(product):
    with time_machine.travel(T0, tick=False):
        cart = CartFactory()
        LineItemFactory(cart=cart, product=product)

    with time_machine.travel(T0 + timedelta(weeks=1) - timedelta(seconds=1), tick=False):
        assert not Cart.objects.stale().exists()
        assert Cart.purge_stale().carts == 0
    with time_machine.travel(T0 + timedelta(weeks=1), tick=False):
        assert not Cart.objects.stale().exists()
        assert Cart.purge_stale().carts == 0
    with time_machine.travel(T0 + timedelta(weeks=1, seconds=1), tick=False):
        assert list(Cart.objects.stale()) == [cart]
        result = Cart.purge_stale()

    assert (result.carts, result.lines) == (1, 1)
    assert not Cart.objects.exists()
    assert not LineItem.objects.exists()


def test_activity_in_a_cart_restarts_its_week(product, session):
    from shop import services

    with time_machine.travel(T0, tick=False):
        services.cart_add_item(user=None, session=session, product_id=product.pk, quantity=1)
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        services.cart_add_item(user=None, session=session, product_id=product.pk, quantity=1)
    with time_machine.travel(T0 + timedelta(days=8), tick=False):
        assert not Cart.objects.stale().exists()
        assert Cart.purge_stale().carts == 0
    assert LineItem.objects.get().quantity == 2


def test_stale_takes_its_cutoff_from_the_argument_or_the_setting(settings, products):
    make_carts(1, products, idle=timedelta(hours=30))
    make_carts(1, products, idle=timedelta(hours=10))

    assert Cart.objects.stale().count() == 0
    assert Cart.objects.stale(timedelta(hours=24)).count() == 1
    assert Cart.objects.stale(older_than=timedelta(hours=5)).count() == 2
    settings.SHOP_CART_STALE_AFTER = timedelta(hours=24)
    assert Cart.objects.stale().count() == 1


# --- The purge ----------------------------------------------------------------------------------


def test_purge_deletes_stale_carts_with_their_lines_and_keeps_recent_ones(products, user):
    stale_ids = make_carts(4, products, idle=timedelta(days=8))
    stale_user_cart = make_carts(1, products, idle=timedelta(days=30), user=user)
    recent_ids = make_carts(3, products, idle=timedelta(days=2))

    result = Cart.purge_stale()

    assert (result.carts, result.lines, result.batches) == (5, 15, 1)
    assert set(Cart.objects.values_list("pk", flat=True)) == set(recent_ids)
    assert LineItem.objects.count() == 9
    assert not LineItem.objects.filter(cart_id__in=stale_ids + stale_user_cart).exists()


def test_purge_keeps_a_stale_cart_whose_owner_is_paying_for_it(products, user, other_user, admin_user):
    paying = make_carts(1, products, idle=timedelta(days=10), user=user)
    pending_order_holding_stock(user, products[0])
    hold_ran_out = make_carts(1, products, idle=timedelta(days=10), user=other_user)
    pending_order_holding_stock(other_user, products[0], hold_for=timedelta(minutes=-1))
    paid_before = make_carts(1, products, idle=timedelta(days=10), user=admin_user)
    order = pending_order_holding_stock(admin_user, products[0])
    order.status = Order.Status.PAID
    order.save()

    result = Cart.purge_stale()

    assert result.carts == 2
    assert list(Cart.objects.values_list("pk", flat=True)) == paying
    assert LineItem.objects.filter(cart_id__in=paying).count() == 3
    assert not Cart.objects.filter(pk__in=hold_ran_out + paid_before).exists()


def test_purge_works_in_batches_of_the_set_size(settings, products):
    settings.SHOP_CART_PURGE_BATCH_SIZE = 10
    make_carts(25, products, idle=timedelta(days=8))
    kept = make_carts(2, products, idle=timedelta(hours=1))

    result = Cart.purge_stale()

    assert (result.carts, result.lines, result.batches) == (25, 75, 3)
    assert sorted(Cart.objects.values_list("pk", flat=True)) == kept
    assert Cart.purge_stale(batch_size=7).batches == 0


def _fail_on_second_cart_delete(execute, sql, params, many, context):
    if sql.startswith('DELETE FROM "shop_cart"'):
        _fail_on_second_cart_delete.calls += 1
        if _fail_on_second_cart_delete.calls == 2:
            raise RuntimeError("the database went away")
    return execute(sql, params, many, context)


def test_a_failed_batch_leaves_earlier_batches_done_the_rest_intact_and_a_rerun_finishes(products, caplog):
    ids = make_carts(25, products, idle=timedelta(days=8))
    _fail_on_second_cart_delete.calls = 0

    # The second batch fails after its lines were deleted: its transaction must take that back.
    with connection.execute_wrapper(_fail_on_second_cart_delete), pytest.raises(RuntimeError):
        Cart.purge_stale(batch_size=10)

    remaining = sorted(Cart.objects.values_list("pk", flat=True))
    assert remaining == ids[10:]
    assert LineItem.objects.count() == 15 * 3
    assert set(LineItem.objects.values_list("cart_id", flat=True)) == set(ids[10:])
    assert "Cart purge stopped after 1 batches (10 carts, 30 lines deleted)" in caplog.text

    result = Cart.purge_stale(batch_size=10)

    assert (result.carts, result.lines, result.batches) == (15, 45, 2)
    assert not Cart.objects.exists()
    assert not LineItem.objects.exists()


def test_purge_sends_no_signals_and_leaves_the_reference_index_alone(products):
    make_carts(12, products, idle=timedelta(days=8))
    heard = []

    def listener(sender, **kwargs):
        heard.append(sender)

    for signal in (pre_delete, post_delete):
        signal.connect(listener, weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            result = Cart.purge_stale(batch_size=5)
    finally:
        for signal in (pre_delete, post_delete):
            signal.disconnect(listener)

    assert result.carts == 12
    assert heard == []
    assert not [query for query in queries.captured_queries if "referenceindex" in query["sql"].lower()]
    assert Cart.wagtail_reference_index_ignore is True
    assert LineItem.wagtail_reference_index_ignore is True


def test_the_purge_costs_the_same_queries_for_ten_carts_or_a_hundred(products):
    make_carts(10, products, idle=timedelta(days=8))
    with CaptureQueriesContext(connection) as few:
        Cart.purge_stale(batch_size=1000)
    make_carts(100, products, idle=timedelta(days=8))
    with CaptureQueriesContext(connection) as many:
        result = Cart.purge_stale(batch_size=1000)

    assert result.carts == 100
    assert len(many) == len(few)
    # Nothing is read back into Python but the one id that bounds each batch.
    assert not [query for query in many.captured_queries if query["sql"].startswith('SELECT "shop_cart"."user_id"')]


def test_dry_run_counts_what_would_go_and_deletes_nothing(products):
    make_carts(3, products, idle=timedelta(days=8))

    result = Cart.purge_stale(dry_run=True)

    assert (result.carts, result.lines, result.dry_run) == (3, 9, True)
    assert Cart.objects.count() == 3
    assert LineItem.objects.count() == 9


def test_purge_logs_what_it_removed(products, caplog):
    make_carts(2, products, idle=timedelta(days=8))

    with caplog.at_level(logging.INFO, logger="shop.purge"):
        Cart.purge_stale()

    assert "Purged 2 stale carts and 6 lines in 1 batches" in caplog.text


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(days=-1)])
def test_purge_refuses_a_cutoff_of_no_time(products, bad):
    make_carts(1, products, idle=timedelta(days=8))

    with pytest.raises(ValueError, match="longer than zero"):
        Cart.purge_stale(bad)
    assert Cart.objects.count() == 1


@pytest.mark.parametrize("bad", [0, -5, "10", True])
def test_purge_refuses_a_batch_size_that_is_not_a_positive_whole_number(products, bad):
    make_carts(1, products, idle=timedelta(days=8))

    with pytest.raises(ValueError, match="batch_size"):
        Cart.purge_stale(batch_size=bad)
    assert Cart.objects.count() == 1


# --- Durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 days", timedelta(days=7)),
        ("1 week", timedelta(weeks=1)),
        ("36 hours", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("2 WEEKS", timedelta(weeks=2)),
        ("1 week, 2 days", timedelta(days=9)),
        ("1 week and 2 days", timedelta(days=9)),
        ("45 seconds", timedelta(seconds=45)),
        ("  3d  ", timedelta(days=3)),
    ],
)
def test_durations_people_write_are_understood(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give a duration"),
        ("7", "is not a duration"),
        ("week", "is not a duration"),
        ("1 fortnight", "unknown unit 'fortnight'"),
        ("-1 day", "is not a duration"),
        ("1.5 days", "is not a duration"),
        ("0 days", "longer than zero"),
        ("7 days ago", "is not a duration"),
        ("1 day 2 days", "names days twice"),
        ("next tuesday", "is not a duration"),
        ("99999999999 weeks", "too long"),
        ("7 days; DROP TABLE shop_cart", "is not a duration"),
    ],
)
def test_anything_else_is_refused_with_a_reason(text, message):
    with pytest.raises(DurationError, match=message):
        parse_duration(text)


# --- The command --------------------------------------------------------------------------------


def test_purge_carts_command_deletes_what_is_older_than_asked(products):
    make_carts(2, products, idle=timedelta(hours=40))
    recent = make_carts(1, products, idle=timedelta(hours=20))
    out = StringIO()

    call_command("purge_carts", "--older-than", "36 hours", stdout=out)

    assert list(Cart.objects.values_list("pk", flat=True)) == recent
    assert out.getvalue().startswith("Deleted 2 carts and 6 lines idle since before ")


def test_purge_carts_command_dry_run_deletes_nothing(products):
    make_carts(2, products, idle=timedelta(days=8))
    out = StringIO()

    call_command("purge_carts", "--older-than", "1 week", "--dry-run", stdout=out)

    assert Cart.objects.count() == 2
    assert out.getvalue().startswith("Dry run: would delete 2 carts and 6 lines idle since before ")


def test_purge_carts_command_defaults_to_a_week(products):
    make_carts(1, products, idle=timedelta(days=8))
    make_carts(1, products, idle=timedelta(days=6))

    call_command("purge_carts", stdout=StringIO())

    assert Cart.objects.count() == 1


@pytest.mark.parametrize("bad", ["soon", "7", "0 minutes", "1 fortnight", "-3 days"])
def test_purge_carts_command_refuses_a_bad_duration_and_deletes_nothing(products, bad):
    make_carts(2, products, idle=timedelta(days=30))

    with pytest.raises(CommandError, match="--older-than: "):
        call_command("purge_carts", "--older-than", bad, stdout=StringIO())

    assert Cart.objects.count() == 2
    assert LineItem.objects.count() == 6


def test_purge_carts_command_exits_non_zero_on_a_bad_duration(products):
    import os
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "manage.py", "purge_carts", "--older-than", "a while"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "website.settings.test"},
        check=False,
    )

    assert completed.returncode != 0
    assert "--older-than: 'a while' is not a duration" in completed.stderr


# --- The scheduled task -------------------------------------------------------------------------


def test_the_daily_task_purges_and_returns_its_counts(products):
    make_carts(3, products, idle=timedelta(days=8))

    assert tasks.purge_stale_carts() == {"carts": 3, "lines": 9, "batches": 1}
    assert not Cart.objects.exists()


def test_the_daily_task_through_django_q_records_its_counts(products):
    make_carts(2, products, idle=timedelta(days=8))

    async_task("shop.tasks.purge_stale_carts", group="purge-stale-carts")

    run = Task.objects.get(group="purge-stale-carts")
    assert run.success
    assert run.result == {"carts": 2, "lines": 6, "batches": 1}
