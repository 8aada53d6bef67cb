"""The purge of stale carts against two plain SQL DELETEs, each in a process of its own (`--purge-carts`)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

PURGE_AGE = timedelta(days=30)
FRESH_CARTS = 50


def _build_carts(carts: int, lines_per_cart: int) -> None:
    """`carts` stale anonymous carts with `lines_per_cart` lines each, and a few fresh ones that must survive."""
    from shop.models import Cart, LineItem, ProductVariant

    stale = timezone.now() - PURGE_AGE - timedelta(days=1)
    fresh = timezone.now()
    quote = connection.ops.quote_name
    cart_table, line_table = quote(Cart._meta.db_table), quote(LineItem._meta.db_table)
    variant_table = quote(ProductVariant._meta.db_table)
    with connection.cursor() as cursor:
        for count, moment in ((carts, stale), (FRESH_CARTS, fresh)):
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "  # noqa: S608
                f"INSERT INTO {cart_table} (created_at, updated_at) SELECT %s, %s FROM n",
                [count, moment, moment],
            )
        cursor.execute(
            f"INSERT INTO {line_table} (cart_id, product_id, variant_id, option_values, quantity, created_at, "  # noqa: S608
            f"updated_at) SELECT c.id, v.product_id, v.id, '', 1, c.updated_at, c.updated_at FROM {cart_table} c "
            f"CROSS JOIN (SELECT id, product_id FROM {variant_table} ORDER BY id LIMIT %s) v",
            [lines_per_cart],
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {cart_table}; ANALYZE {line_table}")


def _clear_carts() -> None:
    from shop.models import Cart, LineItem

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(LineItem._meta.db_table)}")  # noqa: S608
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Cart._meta.db_table)}")  # noqa: S608


def product_purge():
    """The product's purge, by name: Cart.purge_stale (shop.purge)."""
    from shop.models import Cart

    return "Cart.purge_stale", lambda: Cart.purge_stale(older_than=PURGE_AGE)


def plain_sql_purge() -> None:
    from shop.models import Cart, LineItem

    cutoff = timezone.now() - PURGE_AGE
    quote = connection.ops.quote_name
    cart_table, line_table = quote(Cart._meta.db_table), quote(LineItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {line_table} WHERE cart_id IN "  # noqa: S608
            f"(SELECT id FROM {cart_table} WHERE user_id IS NULL AND updated_at < %s)",
            [cutoff],
        )
        cursor.execute(f"DELETE FROM {cart_table} WHERE user_id IS NULL AND updated_at < %s", [cutoff])  # noqa: S608


def _check_purged(carts: int, lines_per_cart: int) -> None:
    from shop.models import Cart, LineItem

    left_carts, left_lines = Cart.objects.count(), LineItem.objects.count()
    if (left_carts, left_lines) != (FRESH_CARTS, FRESH_CARTS * lines_per_cart):
        raise RuntimeError(f"the purge left {left_carts} carts and {left_lines} lines")


def purge_probe(which: str) -> dict:
    """Run one purge in this (fresh) process: its time and how far it raised the process's peak memory."""
    import resource

    function = product_purge()[1] if which == "product" else plain_sql_purge
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    function()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_growth_kib": after - before}  # ru_maxrss is in KiB on Linux


def _probe(which: str) -> dict:
    """Each purge runs in a process of its own, so its peak memory is its own and not the page benchmark's."""
    command = [sys.executable, "-m", "benchmarks", "--purge-probe", which]
    done = subprocess.run(  # noqa: S603
        command, cwd=settings.BASE_DIR, env=os.environ.copy(), capture_output=True, text=True, check=True
    )
    line = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")][-1]
    return json.loads(line[len("PROBE ") :])


def measure_purge(carts: int, lines_per_cart: int, log) -> dict:
    name, _purge = product_purge()
    runs = {}
    small = max(carts // 10, 1)
    for label, which, count in (("product", "product", carts), ("sql", "sql", carts), ("small", "product", small)):
        _clear_carts()
        _build_carts(count, lines_per_cart)
        runs[label] = _probe(which)
        _check_purged(count, lines_per_cart)
        run = runs[label]
        log(f"  purge {label} ({count} carts): {run['seconds']:.2f}s, peak +{run['peak_growth_kib']} KiB")
    _clear_carts()
    return {
        "purge": name,
        "carts": carts,
        "lines": carts * lines_per_cart,
        "product_seconds": round(runs["product"]["seconds"], 3),
        "sql_seconds": round(runs["sql"]["seconds"], 3),
        "ratio": round(runs["product"]["seconds"] / runs["sql"]["seconds"], 2),
        "peak_memory_mib": round(runs["product"]["peak_growth_kib"] / 1024, 1),
        "sql_peak_memory_mib": round(runs["sql"]["peak_growth_kib"] / 1024, 1),
        "peak_memory_small_mib": round(runs["small"]["peak_growth_kib"] / 1024, 1),
        "memory_small_carts": small,
    }
