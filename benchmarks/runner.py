"""The measurements, run inside a worker process whose default database is the benchmark's own."""

from __future__ import annotations

import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.request import urlopen

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from benchmarks import data, jobs

WARMUP = 20


@dataclass
class Case:
    name: str
    url: str
    floor_url: str
    client: Client


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return len(captured.captured_queries)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_case(case: Case, requests: int) -> dict:
    for _ in range(WARMUP):
        _get(case.client, case.url)
        _get(case.client, case.floor_url)
    page_queries = _queries(case.client, case.url)
    floor_queries = _queries(case.client, case.floor_url)
    page_times, floor_times = [], []
    gc.collect()
    for _ in range(requests):
        # Interleaved, so a hiccup of the machine lands on both sides alike.
        started = time.perf_counter()
        _get(case.client, case.url)
        page_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        _get(case.client, case.floor_url)
        floor_times.append(time.perf_counter() - started)
    page_median = statistics.median(page_times)
    floor_median = statistics.median(floor_times)
    return {
        "page": case.name,
        "url": case.url,
        "requests": requests,
        "median_ms": round(page_median * 1000, 3),
        "p95_ms": round(_percentile(page_times, 0.95) * 1000, 3),
        "queries": page_queries,
        "floor_median_ms": round(floor_median * 1000, 3),
        "floor_p95_ms": round(_percentile(floor_times, 0.95) * 1000, 3),
        "floor_queries": floor_queries,
        "ratio": round(page_median / floor_median, 2),
    }


def _cart_client(product_ids: list[int]) -> Client:
    client = Client()
    for product_id in product_ids:
        response = client.post("/cart/add/", {"product": product_id, "quantity": 2}, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            raise RuntimeError(f"adding product {product_id} to the cart answered {response.status_code}")
    return client


def page_cases(size: int) -> list[Case]:
    from shop.models import ProductPage

    index = data.ensure_shop(size)
    products = list(ProductPage.objects.child_of(index).order_by("path").values_list("pk", "url_path")[:3])
    middle = ProductPage.objects.child_of(index).order_by("path").values_list("url_path", flat=True)[size // 2]
    product_url = data.public_url(middle)
    cases = [
        Case("/", "/", "/__floor__/", Client()),
        Case("/shop/", "/shop/", "/__floor__/shop/", Client()),
        Case("product page", product_url, "/__floor__" + product_url, Client()),
        Case("/cart/ (3 lines)", "/cart/", "/__floor__/cart/", _cart_client([pk for pk, _path in products])),
    ]
    cases.extend(jobs.cases(size))
    return cases


def measure_pages(sizes: list[int], requests: int, log) -> list[dict]:
    results = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        for size in sizes:
            started = time.monotonic()
            cases = page_cases(size)
            log(f"  data set of {size} built in {time.monotonic() - started:.1f}s")
            cache.clear()
            for case in cases:
                result = measure_case(case, requests)
                result["size"] = size
                log(
                    f"  {size:>6} {case.name:<18} {result['median_ms']:8.2f} ms"
                    f"  floor {result['floor_median_ms']:8.2f} ms  x{result['ratio']:.2f}"
                    f"  queries {result['queries']}/{result['floor_queries']}"
                )
                results.append(result)
    return results


# --- Purging stale carts ---------------------------------------------------------------------------------------
PURGE_AGE = timedelta(days=30)
FRESH_CARTS = 50


def _build_carts(carts: int, lines_per_cart: int) -> None:
    """`carts` stale anonymous carts with `lines_per_cart` lines each, and a few fresh ones that must survive."""
    from shop.models import Cart, LineItem, ProductPage

    stale = timezone.now() - PURGE_AGE - timedelta(days=1)
    fresh = timezone.now()
    quote = connection.ops.quote_name
    cart_table, line_table = quote(Cart._meta.db_table), quote(LineItem._meta.db_table)
    product_table = quote(ProductPage._meta.db_table)
    with connection.cursor() as cursor:
        for count, moment in ((carts, stale), (FRESH_CARTS, fresh)):
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "  # noqa: S608
                f"INSERT INTO {cart_table} (created_at, updated_at) SELECT %s, %s FROM n",
                [count, moment, moment],
            )
        cursor.execute(
            f"INSERT INTO {line_table} (cart_id, product_id, quantity, created_at, updated_at) "  # noqa: S608
            f"SELECT c.id, p.page_ptr_id, 1, c.updated_at, c.updated_at FROM {cart_table} c "
            f"CROSS JOIN (SELECT page_ptr_id FROM {product_table} ORDER BY page_ptr_id LIMIT %s) p",
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


# --- Requests per second under gunicorn ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL built here
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def measure_load(seconds: float, concurrency: int, log) -> list[dict]:
    from shop.models import ProductPage

    base_dir = Path(settings.BASE_DIR)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # The workers run the product's WSGI application under the benchmark's settings and database.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    gunicorn = [
        sys.executable, "-m", "gunicorn", "website.wsgi:application",
        "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(gunicorn, cwd=base_dir, env=env)  # noqa: S603
    try:
        _wait_until_up(f"{base}/healthz/", server)
        products = list(ProductPage.objects.live().order_by("path").values_list("pk", flat=True)[:500])
        product_url = data.public_url(ProductPage.objects.live().order_by("path").values_list("url_path", flat=True)[0])
        cases = [
            ("/jobs/", f"{base}/jobs/", ["--mode", "get"]),
            ("add-to-cart", f"{base}/cart/add/", ["--mode", "add-to-cart", "--form-path", product_url]),
        ]
        results = []
        for name, url, extra in cases:
            command = [
                sys.executable, "-m", "benchmarks.load", url, "--seconds", str(seconds),
                "--concurrency", str(concurrency), "--products", ",".join(map(str, products)), *extra,
            ]  # fmt: skip
            done = subprocess.run(command, cwd=base_dir, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
            result = json.loads(done.stdout)
            result["case"] = name
            log(f"  {name}: {result['rps']} requests/s ({result['failed']} failed)")
            results.append(result)
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
