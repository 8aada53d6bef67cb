"""The measurements, run inside the worker process whose default database is the benchmark's own.

Three gunicorn servers (2 sync workers each) read that database:

- *cold*: the product as deployed but with PAGE_CACHE_TIMEOUT=0, so its page cache never stores a response and every
  request is a miss that Wagtail serves (Django's cache stays on Redis for what Wagtail itself keeps there, as for a
  visitor who misses in production). The floor views (benchmarks/floors.py, /__floor__/...) are measured on it too:
  they use no cache.
- *warm*: the product as deployed, its cache on a private Redis (redis-server on a free port; Django's local-memory
  cache when redis-server is missing), its Stripe calls and webhooks going to the offline sandbox.
- *vanilla*: a vanilla Wagtail site (benchmarks.vanilla_settings) serving VanillaPage pages padded to the byte size
  of the project's page they stand beside.

Load comes from a second process (benchmarks.load: wrk when installed), in passes that alternate between the
variants compared (A/B/A/B) so a hiccup of the shared machine lands on all of them alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import requests
from django.conf import settings
from django.urls import reverse

from benchmarks import data, jobs, servers
from benchmarks.vanilla_settings import VANILLA_HOST

TAIL_PRODUCTS = 2000
ORDER_RATE = 1.5
BUYERS = 4
BYTES_TOLERANCE = 0.05


@dataclass
class PageCase:
    name: str
    path: str
    floor_path: str
    headers: dict[str, str] = field(default_factory=dict)
    # Pages a shared cache may hold (everything but the per-visitor cart) are also measured warm and beside vanilla.
    shared: bool = True
    vanilla_path: str = ""


def fetch(base: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    request = Request(base + path, headers=headers or {})  # noqa: S310 - loopback URL built here
    try:
        with urlopen(request, timeout=30) as response:  # noqa: S310
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
            return response.read()
    except HTTPError as error:
        raise RuntimeError(f"GET {base}{path} answered {error.code}") from error


def cart_cookie(base: str, product_path: str, product_ids: list[int]) -> str:
    """An anonymous visitor's session cookie, with a cart of one line per product (2 of each)."""
    visitor = requests.Session()
    visitor.get(base + product_path, timeout=30)
    # Cached pages carry no CSRF token; a browser's script asks the site for its cookie first (static/js/csrf.js).
    visitor.get(base + reverse("csrf_cookie"), timeout=30)
    token = visitor.cookies.get(settings.CSRF_COOKIE_NAME, "")
    for product_id in product_ids:
        added = visitor.post(
            f"{base}/cart/add/",
            data={"product": product_id, "quantity": 2},
            headers={"X-CSRFToken": token, "Accept": "application/json", "Referer": base + product_path},
            timeout=30,
        )
        if added.status_code != 200:
            raise RuntimeError(f"adding product {product_id} to the benchmark's cart answered {added.status_code}")
    return f"{settings.SESSION_COOKIE_NAME}={visitor.cookies[settings.SESSION_COOKIE_NAME]}"


def plan(size: int, log) -> dict:
    """Build the data set (adds only what is missing) and name the pages to measure."""
    from shop.models import ProductPage

    index = data.ensure_shop(size)
    job_index = jobs.ensure_jobs(size)
    # Fresh statistics for the planner, as autovacuum keeps them on a live database: measured right after a bulk
    # load, PostgreSQL would plan every page (and floor) for empty tables.
    data.analyze()
    products = list(ProductPage.objects.child_of(index).order_by("path").values_list("pk", "url_path"))
    product_path = data.public_url(products[size // 2][1])
    job_path = data.public_url(jobs.job_url_paths(job_index)[size // 2])
    tail = products[: min(TAIL_PRODUCTS, len(products))]
    log(f"  data set: {len(products)} products, {size} job listings; long tail over {len(tail)} products")
    return {
        "cases": [
            PageCase("/", "/", "/__floor__/"),
            PageCase("/shop/", "/shop/", "/__floor__/shop/"),
            PageCase("product page", product_path, "/__floor__" + product_path),
            PageCase("/jobs/", "/jobs/", "/__floor__/jobs/"),
            PageCase("job page", job_path, "/__floor__" + job_path),
            PageCase("/cart/ (3 lines)", "/cart/", "/__floor__/cart/", shared=False),
        ],
        "cart_products": [pk for pk, _path in products[:3]],
        "product_path": product_path,
        "tail_ids": [pk for pk, _path in tail],
        "tail_paths": [data.public_url(url_path) for _pk, url_path in tail],
        "buyers": data.ensure_buyers(BUYERS),
    }


def load(base: str, paths: list[str], *, headers: dict[str, str], seconds: float, concurrency: int, engine: str):
    with tempfile.NamedTemporaryFile("w", prefix="bench-paths-", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        command = [
            sys.executable, "-m", "benchmarks.load", base, "--paths", listing.name, "--seconds", f"{seconds:g}",
            "--concurrency", str(concurrency), "--engine", engine,
        ]  # fmt: skip
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        done = subprocess.run(  # noqa: S603
            command, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False, timeout=seconds + 120
        )
        if done.returncode != 0:
            raise RuntimeError(f"the load generator failed: {done.stderr.strip()[-500:]}")
        return json.loads(done.stdout)
    finally:
        os.unlink(listing.name)


def summarise(runs: list[dict]) -> dict:
    """The median pass, with every pass's figures kept for the JSON report."""
    return {
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p99_ms": round(statistics.median(run["p99_ms"] for run in runs), 2),
        "ok": sum(run["ok"] for run in runs),
        "failed": sum(run["failed"] for run in runs),
        "passes": [run["rps"] for run in runs],
        "engine": runs[0]["engine"],
    }


def size_vanilla_pages(vanilla: str, cases: list[PageCase], page_bytes: dict[str, int], log) -> None:
    """Pad each vanilla page's body until the page weighs what the project's page does (within the tolerance)."""
    root = data.ensure_vanilla_site(VANILLA_HOST)
    headers = {"Host": VANILLA_HOST}
    for case in cases:
        if not case.shared:
            continue
        slug = "vanilla-" + "".join(ch if ch.isalnum() else "-" for ch in case.name).strip("-")
        title = f"Vanilla {case.name}"
        case.vanilla_path = data.vanilla_page(root, slug=slug, title=title, body="")
        empty = len(fetch(vanilla, case.vanilla_path, headers))
        data.vanilla_page(root, slug=slug, title=title, body=data.filler_html(page_bytes[case.name] - empty))
        log(f"  vanilla {case.name}: {len(fetch(vanilla, case.vanilla_path, headers))} bytes")


def measure(*, size: int, seconds: float, passes: int, concurrency: int, engine: str, orders: bool, log) -> dict:
    chosen = plan(size, log)
    timing = {"seconds": seconds, "concurrency": concurrency, "engine": engine}
    cases: list[PageCase] = chosen["cases"]
    webhook_secret = settings.STRIPE_WEBHOOK_SECRET
    database_url = os.environ["DATABASE_URL"]
    with servers.private_redis() as redis_url, servers.stripe_sandbox(webhook_secret) as sandbox:
        common = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url or "",
            "STRIPE_API_BASE": sandbox.url,
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
        }
        with (
            servers.gunicorn(settings_module="benchmarks.settings", env={**common, "PAGE_CACHE_TIMEOUT": "0"}) as cold,
            servers.gunicorn(settings_module="benchmarks.settings", env=common) as warm,
        ):
            log(f"  cold server {cold}, warm server {warm} (cache: {'Redis' if redis_url else 'local memory'})")
            cookie = cart_cookie(cold, chosen["product_path"], chosen["cart_products"])
            for case in cases:
                if not case.shared:
                    case.headers = {"Cookie": cookie}
            page_bytes = {case.name: len(fetch(cold, case.path, case.headers)) for case in cases}
            floor_bytes = {case.name: len(fetch(cold, case.floor_path, case.headers)) for case in cases}
            with servers.gunicorn(
                settings_module="benchmarks.vanilla_settings",
                env={"DATABASE_URL": database_url},
                probe="/",
                host_header=VANILLA_HOST,
            ) as vanilla:
                size_vanilla_pages(vanilla, cases, page_bytes, log)
                vanilla_bytes = {
                    case.name: len(fetch(vanilla, case.vanilla_path, {"Host": VANILLA_HOST}))
                    for case in cases
                    if case.vanilla_path
                }
                rows = []
                for case in cases:
                    variants = {
                        "cold": (cold, [case.path], case.headers),
                        "floor": (cold, [case.floor_path], case.headers),
                    }
                    if case.shared:
                        variants["vanilla"] = (vanilla, [case.vanilla_path], {"Host": VANILLA_HOST})
                        variants["warm"] = (warm, [case.path], case.headers)
                        for _ in range(2):  # the first request learns the page's route, the second stores it
                            fetch(warm, case.path)
                    runs: dict[str, list[dict]] = {name: [] for name in variants}
                    for number in range(passes):
                        order = list(variants) if number % 2 == 0 else list(reversed(variants))
                        for name in order:
                            base, paths, headers = variants[name]
                            runs[name].append(load(base, paths, headers=headers, **timing))
                    row = {
                        "page": case.name,
                        "path": case.path,
                        "bytes": page_bytes[case.name],
                        "floor_bytes": floor_bytes[case.name],
                        "vanilla_bytes": vanilla_bytes.get(case.name),
                        **{name: summarise(found) for name, found in runs.items()},
                    }
                    rows.append(row)
                    log(
                        f"  {case.name:<18} cold {row['cold']['rps']:>7} req/s  floor {row['floor']['rps']:>7}"
                        + (f"  vanilla {row['vanilla']['rps']:>7}  warm {row['warm']['rps']:>7}" if case.shared else "")
                    )
            tail = measure_tail(
                warm=warm, cold=cold, chosen=chosen, sandbox_url=sandbox.url, webhook_secret=webhook_secret,
                seconds=seconds, passes=passes, concurrency=concurrency, engine=engine, orders=orders, log=log,
            )  # fmt: skip
    return {"pages": rows, "tail": tail, "cache": "redis" if redis_url else "locmem", "size": size}


def _start_orders(warm: str, chosen: dict, *, sandbox_url: str, webhook_secret: str, seconds: float, buyers: str):
    command = [
        sys.executable, "-m", "benchmarks.orders", warm, "--sandbox", sandbox_url, "--webhook-secret", webhook_secret,
        "--buyers", buyers, "--products", ",".join(map(str, chosen["tail_ids"])), "--rate", str(ORDER_RATE),
        "--seconds", f"{seconds:g}",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True)  # noqa: S603


def measure_tail(*, warm, cold, chosen, sandbox_url, webhook_secret, seconds, passes, concurrency, engine, orders, log):
    """Browsing that rotates over up to 2,000 product pages on the warm server, with and without a stream of orders
    placed through the real checkout; the floor over the same products beside it."""
    from stripe_sandbox.testing import StripeSandbox

    paths = chosen["tail_paths"]
    floor_paths = ["/__floor__" + path for path in paths]
    sandbox = StripeSandbox(type("Server", (), {"url": sandbox_url})(), webhook_secret=webhook_secret)
    sandbox.set_webhook_endpoint(warm + "/billing/webhook/")
    for path in paths * 2:  # every page cached, as earlier visitors would have left them (route, then response)
        fetch(warm, path)
    runs: dict[str, list[dict]] = {"without orders": [], "with orders": [], "floor": []}
    order_runs = []
    with tempfile.NamedTemporaryFile("w", prefix="bench-buyers-", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(f"{name} {password}" for name, password in chosen["buyers"]) + "\n")
    try:
        for number in range(passes):
            steps = ["without orders", "with orders", "floor"]
            for step in steps if number % 2 == 0 else reversed(steps):
                if step == "floor":
                    runs[step].append(
                        load(cold, floor_paths, headers={}, seconds=seconds, concurrency=concurrency, engine=engine)
                    )
                    continue
                stream = None
                if step == "with orders" and orders:
                    stream = _start_orders(
                        warm, chosen, sandbox_url=sandbox_url, webhook_secret=webhook_secret, seconds=seconds,
                        buyers=listing.name,
                    )  # fmt: skip
                try:
                    runs[step].append(
                        load(warm, paths, headers={}, seconds=seconds, concurrency=concurrency, engine=engine)
                    )
                finally:
                    if stream is not None:
                        out, _ = stream.communicate(timeout=seconds + 120)
                        if stream.returncode != 0:
                            raise RuntimeError("the order stream failed")
                        order_runs.append(json.loads(out))
    finally:
        os.unlink(listing.name)
    result = {name: summarise(found) for name, found in runs.items()}
    result["products"] = len(paths)
    result["orders"] = {
        "requested_rate": ORDER_RATE if orders else 0,
        "paid": sum(run["paid"] for run in order_runs),
        "attempted": sum(run["attempted"] for run in order_runs),
        "seconds": round(sum(run["seconds"] for run in order_runs), 1),
        "outcomes": _merge([run["outcomes"] for run in order_runs]),
    }
    seconds_ordering = result["orders"]["seconds"]
    result["orders"]["rate"] = round(result["orders"]["paid"] / seconds_ordering, 2) if seconds_ordering else 0.0
    log(
        f"  long tail over {len(paths)} products: {result['without orders']['rps']} req/s without orders, "
        f"{result['with orders']['rps']} with {result['orders']['rate']} orders/s; floor {result['floor']['rps']}"
    )
    return result


def _merge(counts: list[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for found in counts:
        for key, value in found.items():
            merged[key] = merged.get(key, 0) + value
    return merged
