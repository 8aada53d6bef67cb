"""A cart purge whose process is killed in the middle (SIGKILL, on PostgreSQL): the batches before are gone, the
batch it was in and the rest are intact, and running it again finishes the job."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shop.factories import CartFactory, LineItemFactory
from shop.models import Cart, LineItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CARTS = 40
BATCH = 10
PURGE = f"import django; django.setup(); from shop.models import Cart; Cart.purge_stale(batch_size={BATCH})"


def wait_for(condition, *, seconds: float = 30, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def purge_backend_blocked_on_a_lock():
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the first snapshot of pg_stat_activity unless told not to.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM %%shop_cart%%'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def test_a_purge_killed_mid_batch_leaves_earlier_batches_done_the_rest_intact_and_a_rerun_finishes(
    product, make_product
):
    other = make_product(title="Teapot", sku="POT-1")
    carts = [CartFactory() for _ in range(CARTS)]
    for cart in carts:
        LineItemFactory(cart=cart, product=product, quantity=1)
        LineItemFactory(cart=cart, product=other, quantity=2)
    Cart.objects.update(updated_at=timezone.now() - timedelta(days=30))
    fresh = LineItemFactory(cart=CartFactory(), product=product, quantity=1).cart
    locked = carts[2 * BATCH + 5]  # in the third batch
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }

    with transaction.atomic():
        # Someone else holds a row of the third batch: the purge stops there, mid-transaction, and is killed.
        Cart.objects.select_for_update().get(pk=locked.pk)
        purge = subprocess.Popen([sys.executable, "-c", PURGE], cwd=ROOT, env=env)  # noqa: S603
        try:
            backend = wait_for(purge_backend_blocked_on_a_lock, what="the purge to reach the third batch")
        finally:
            purge.send_signal(signal.SIGKILL)
            purge.wait(timeout=30)
    wait_for(lambda: backend_gone(backend), what="PostgreSQL to notice the purge died")

    survivors = set(Cart.objects.values_list("pk", flat=True))
    assert survivors == {cart.pk for cart in carts[2 * BATCH :]} | {fresh.pk}
    assert LineItem.objects.filter(cart__in=carts[2 * BATCH :]).count() == 2 * (CARTS - 2 * BATCH)

    result = Cart.purge_stale(batch_size=BATCH)

    assert (result.carts, result.lines) == (CARTS - 2 * BATCH, 2 * (CARTS - 2 * BATCH))
    assert list(Cart.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert LineItem.objects.count() == 1
