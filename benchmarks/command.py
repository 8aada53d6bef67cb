"""`make bench` (`python -m benchmarks`): build a data set in the benchmark's own database, measure what visitors
get from gunicorn (cold, warm and long-tail requests per second and p99, beside bare floors and vanilla Wagtail
pages; benchmarks/runner.py), optionally the cart purge against plain SQL, print the table and exit 1 when a target
is missed.

The command never touches the development database: each backend runs in a worker process (`python -m benchmarks
--worker`) whose DATABASE_URL points at a database the command creates and migrates itself: a fresh SQLite file
under var/bench/ and, when PostgreSQL answers, wt_perf_bench (or --postgres-url).

It is not a management command of the product: no app registers it, so `manage.py bench` does not exist under any
settings. Every step that drops, empties or fills a database first checks that the settings in use are
benchmarks.settings and that the database is the benchmark's own (check_may_drop, require_benchmark_database).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

BENCH_SETTINGS = "benchmarks.settings"
BENCH_DATABASE = "wt_perf_bench"
# The only PostgreSQL databases the benchmark may drop: wt_perf_bench, or wt_perf_bench_<suffix> for a second copy.
BENCH_DATABASE_RE = re.compile(rf"{BENCH_DATABASE}(_[a-z0-9_]+)?")
DEFAULT_POSTGRES_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
RESULT_MARKER = "BENCH-RESULT "
MAX_PURGE_RATIO = 1.5
# The targets, each a ratio of two figures measured in the same run.
COLD_OVER_FLOOR = 0.5
COLD_OVER_VANILLA = 1.5
WARM_OVER_FLOOR = 1.0
TAIL_WITH_OVER_WITHOUT = 0.7
BYTES_TOLERANCE = 0.05
QUICK = {"products": 30, "seconds": 1.0, "passes": 1, "purge_carts": 0, "backends": "sqlite"}


def sqlite_path() -> Path:
    """The benchmark's SQLite database; the only SQLite file it deletes."""
    return Path(settings.BASE_DIR) / "var" / "bench" / "bench.sqlite3"


def require_benchmark_settings() -> None:
    """Refuse unless this process runs under benchmarks.settings, by its settings and by its environment (which the
    processes it starts inherit)."""
    module = settings.SETTINGS_MODULE
    if module != BENCH_SETTINGS or os.environ.get("DJANGO_SETTINGS_MODULE") != BENCH_SETTINGS:
        raise CommandError(f"the benchmark runs only under {BENCH_SETTINGS} (`python -m benchmarks`), not {module}")


def check_may_drop(name: str) -> None:
    """The gate before DROP DATABASE: only a database named wt_perf_bench (or wt_perf_bench_<suffix>) that is not
    the one the settings themselves use, and only under benchmarks.settings."""
    if not BENCH_DATABASE_RE.fullmatch(name):
        raise CommandError(
            f"refusing to drop {name!r}: the benchmark drops only its own database, "
            f"{BENCH_DATABASE} (or {BENCH_DATABASE}_<suffix>)"
        )
    if name == settings.DATABASES["default"].get("NAME"):
        raise CommandError(f"refusing to drop {name!r}: it is the database these settings use")
    require_benchmark_settings()


def require_benchmark_database() -> None:
    """The worker empties and fills its default database: refuse unless it is one the benchmark created."""
    require_benchmark_settings()
    database = settings.DATABASES["default"]
    name = str(database.get("NAME", ""))
    if database["ENGINE"] == "django.db.backends.sqlite3":
        own = Path(name).resolve() == sqlite_path().resolve()
    else:
        own = BENCH_DATABASE_RE.fullmatch(name) is not None
    if not own:
        raise CommandError(f"refusing to run against {name!r}: the benchmark works only in its own database")


class Command(BaseCommand):
    help = "Benchmark what visitors get from gunicorn against floors and vanilla Wagtail; exit 1 on a miss."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a smoke test: 30 products, 1 s passes, one pass, SQLite unless --backends says otherwise, no purge",
        )
        parser.add_argument("--products", type=int, help="products and job listings in the data set (10000)")
        parser.add_argument("--seconds", type=float, help="seconds of load per pass and variant (5)")
        parser.add_argument("--passes", type=int, help="alternated passes per comparison; the median counts (3)")
        parser.add_argument("--concurrency", type=int, default=4, help="connections the load generator keeps open")
        parser.add_argument("--engine", choices=["auto", "wrk", "python"], default="auto", help="load generator")
        parser.add_argument("--backends", help="sqlite, postgres or both (sqlite,postgres)")
        parser.add_argument(
            "--postgres-url",
            default=DEFAULT_POSTGRES_URL,
            help=f"the benchmark's PostgreSQL database (dropped and created; named {BENCH_DATABASE}[_suffix])",
        )
        parser.add_argument("--no-orders", action="store_true", help="skip the order stream in the long tail")
        parser.add_argument("--purge-carts", type=int, help="stale carts to purge against plain SQL (100000; 0 skips)")
        parser.add_argument("--lines-per-cart", type=int, default=3)
        parser.add_argument("--worker", action="store_true", help=argparse_suppress())
        parser.add_argument("--purge-probe", choices=["product", "sql"], help=argparse_suppress())

    def handle(self, *args, **options):
        options = resolve(options)
        if options["purge_probe"]:
            return self._purge_probe(options["purge_probe"])
        if options["worker"]:
            return self._work(options)
        return self._orchestrate(options)

    # --- the parent: one worker per backend, then the report ----------------------------------------------------
    def _orchestrate(self, options):
        backends = [name.strip() for name in options["backends"].split(",") if name.strip()]
        unknown = set(backends) - {"sqlite", "postgres"}
        if unknown:
            raise CommandError(f"unknown backend(s): {', '.join(sorted(unknown))}")
        started = time.monotonic()
        runs = []
        for backend in backends:
            if backend == "sqlite":
                url = self._fresh_sqlite()
            else:
                url = self._fresh_postgres(options["postgres_url"])
                if url is None:
                    self.stderr.write("PostgreSQL does not answer at 127.0.0.1:5432; skipping it.")
                    continue
            self.stderr.write(f"== {backend}: {url}")
            runs.append(self._run_worker(backend, url, options))
        report = {
            "machine": machine(),
            "seconds": round(time.monotonic() - started, 1),
            "options": {key: options[key] for key in ("products", "seconds", "passes", "concurrency", "quick")},
            "runs": runs,
        }
        report["misses"] = misses(report)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(format_report(report))
        if report["misses"]:
            sys.exit(1)

    def _fresh_sqlite(self) -> str:
        require_benchmark_settings()
        path = sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def _fresh_postgres(self, url: str) -> str | None:
        import psycopg
        from psycopg import sql

        name = url.rsplit("/", 1)[1]
        check_may_drop(name)
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.OperationalError:
            return None
        return url

    def _run_worker(self, backend: str, url: str, options) -> dict:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS, "REDIS_URL": ""}
        command = [
            sys.executable, "-m", "benchmarks", "--worker",
            "--products", str(options["products"]), "--seconds", f"{options['seconds']:g}",
            "--passes", str(options["passes"]), "--concurrency", str(options["concurrency"]),
            "--engine", options["engine"], "--purge-carts", str(options["purge_carts"]),
            "--lines-per-cart", str(options["lines_per_cart"]),
        ]  # fmt: skip
        if options["no_orders"]:
            command.append("--no-orders")
        process = subprocess.run(  # noqa: S603
            command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True, check=False
        )
        lines = [line for line in process.stdout.splitlines() if line.startswith(RESULT_MARKER)]
        if process.returncode != 0 or not lines:
            raise CommandError(f"the {backend} benchmark failed (exit {process.returncode})")
        result = json.loads(lines[-1][len(RESULT_MARKER) :])
        result["backend"] = backend
        return result

    # --- the worker: runs with the benchmark's database as default ------------------------------------------------
    def _purge_probe(self, which: str):
        from benchmarks import purge

        require_benchmark_database()
        self.stdout.write("PROBE " + json.dumps(purge.purge_probe(which)))

    def _work(self, options):
        from django.db import connection

        from benchmarks import purge, runner

        require_benchmark_database()

        def log(message: str) -> None:
            self.stderr.write(message)

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        log(f"  migrated in {time.monotonic() - started:.1f}s")
        result = {"database": f"{connection.vendor} {database_version(connection)}"}
        connection.close()  # the servers it starts hold their own connections
        result.update(
            runner.measure(
                size=options["products"],
                seconds=options["seconds"],
                passes=options["passes"],
                concurrency=options["concurrency"],
                engine=options["engine"],
                orders=not options["no_orders"],
                log=log,
            )
        )
        if options["purge_carts"]:
            result["purge"] = purge.measure_purge(options["purge_carts"], options["lines_per_cart"], log)
        self.stdout.write(RESULT_MARKER + json.dumps(result))


def resolve(options: dict) -> dict:
    """Fill the options --quick sets (explicit ones win) and the full run's defaults; refuse nonsense."""
    defaults = QUICK if options["quick"] else {
        "products": 10_000, "seconds": 5.0, "passes": 3, "purge_carts": 100_000, "backends": "sqlite,postgres",
    }  # fmt: skip
    options = {**options, **{key: value for key, value in defaults.items() if options.get(key) is None}}
    if options["products"] < 3:
        raise CommandError("--products must be at least 3 (the cart holds 3 products)")
    if not 0 < options["seconds"] <= 30:
        raise CommandError("--seconds must be more than 0 and at most 30")
    if not 1 <= options["passes"] <= 9:
        raise CommandError("--passes must be between 1 and 9")
    if not 1 <= options["concurrency"] <= 64:
        raise CommandError("--concurrency must be between 1 and 64")
    if options["purge_carts"] < 0:
        raise CommandError("--purge-carts must not be negative")
    return options


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split(" ")[0]


def machine() -> dict:
    import django
    import wagtail

    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "load": " ".join(f"{value:.1f}" for value in os.getloadavg()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "platform": platform.platform(),
    }


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else 0.0


def ratios(row: dict) -> dict:
    """Each page's ratios, all of figures from the same run: cold/floor, cold/vanilla, warm/floor."""
    found = {"cold/floor": ratio(row["cold"]["rps"], row["floor"]["rps"])}
    if row.get("vanilla"):
        found["cold/vanilla"] = ratio(row["cold"]["rps"], row["vanilla"]["rps"])
    if row.get("warm"):
        found["warm/floor"] = ratio(row["warm"]["rps"], row["floor"]["rps"])
    return found


def _bytes_off(size: int | None, reference: int) -> bool:
    return size is not None and abs(size - reference) > BYTES_TOLERANCE * reference


def misses(report: dict) -> list[str]:
    """Every target missed, in words; empty when the run passes."""
    found = []
    for run in report["runs"]:
        backend = run["backend"]
        for row in run["pages"]:
            page = row["page"]
            for other in ("floor", "vanilla"):
                if _bytes_off(row.get(f"{other}_bytes"), row["bytes"]):
                    found.append(
                        f"{backend}: {page}'s {other} is {row[f'{other}_bytes']} bytes against the page's "
                        f"{row['bytes']} (more than {BYTES_TOLERANCE:.0%} apart: not the same page)"
                    )
            figures = ratios(row)
            for name, target in (
                ("cold/floor", COLD_OVER_FLOOR),
                ("cold/vanilla", COLD_OVER_VANILLA),
                ("warm/floor", WARM_OVER_FLOOR),
            ):
                if name in figures and figures[name] < target:
                    found.append(f"{backend}: {page} {name} is {figures[name]}x (target at least {target}x)")
            for variant in ("cold", "floor", "vanilla", "warm"):
                if row.get(variant) and (row[variant]["failed"] or not row[variant]["ok"]):
                    found.append(
                        f"{backend}: {page} {variant} had {row[variant]['failed']} failed requests "
                        f"and {row[variant]['ok']} answered 200"
                    )
        tail = run["tail"]
        tail_ratio = ratio(tail["with orders"]["rps"], tail["without orders"]["rps"])
        if tail_ratio < TAIL_WITH_OVER_WITHOUT:
            found.append(
                f"{backend}: the long tail with orders is {tail_ratio}x the same without (target at least "
                f"{TAIL_WITH_OVER_WITHOUT}x)"
            )
        orders = tail["orders"]
        if orders["requested_rate"] and orders["rate"] < orders["requested_rate"] * 2 / 3:
            found.append(
                f"{backend}: the order stream paid {orders['paid']} of {orders['attempted']} orders "
                f"({orders['rate']}/s, asked {orders['requested_rate']}/s): {orders['outcomes']}"
            )
        for step in ("without orders", "with orders", "floor"):
            if tail[step]["failed"] or not tail[step]["ok"]:
                found.append(f"{backend}: the long tail {step} had {tail[step]['failed']} failed requests")
        purge = run.get("purge")
        if purge:
            if purge["ratio"] > MAX_PURGE_RATIO:
                found.append(f"{backend}: the cart purge takes {purge['ratio']}x the plain SQL (> {MAX_PURGE_RATIO}x)")
            # Flat: ten times the carts may not need noticeably more memory (peak RSS growth, so a few MiB of slack).
            if purge["peak_memory_mib"] > 1.5 * purge["peak_memory_small_mib"] + 8:
                found.append(
                    f"{backend}: the cart purge's memory grows with the carts "
                    f"({purge['peak_memory_small_mib']} MiB for {purge['memory_small_carts']}, "
                    f"{purge['peak_memory_mib']} MiB for {purge['carts']})"
                )
    return found


def _figure(cell: dict | None) -> str:
    return f"{cell['rps']:>7,.0f} {cell['p99_ms']:>6.1f}" if cell else f"{'-':>7} {'-':>6}"


def format_report(report: dict) -> str:
    info = report["machine"]
    options = report["options"]
    lines = [
        f"Machine: {info['cpus']} CPUs, {info['memory']}, load {info['load']}, Python {info['python']}, "
        f"Django {info['django']}, Wagtail {info['wagtail']}",
        f"gunicorn 2 sync workers per server, {options['concurrency']} connections, {options['passes']} alternated "
        f"passes of {options['seconds']:g} s (median), {options['products']:,} products and job listings"
        + (" (--quick)" if options["quick"] else ""),
    ]
    for run in report["runs"]:
        lines += [
            "",
            f"{run['backend']} ({run['database']}, cache {run['cache']}, load by {run['pages'][0]['cold']['engine']})",
            "",
            "req/s and p99 ms | cold = no cache, warm = cache hits, floor = bare Django view, vanilla = Wagtail page",
            f"| {'page':<17} | {'bytes':>6} | {'cold':>7} {'p99':>6} | {'warm':>7} {'p99':>6} "
            f"| {'floor':>7} {'p99':>6} | {'vanilla':>7} {'p99':>6} "
            f"| {'cold/floor':>10} | {'cold/vanilla':>12} | {'warm/floor':>10} |",
            f"|{'-' * 19}|{'-' * 7}:|{'-' * 15}:|{'-' * 15}:|{'-' * 15}:|{'-' * 15}:|{'-' * 11}:|{'-' * 13}:"
            f"|{'-' * 11}:|",
        ]
        for row in run["pages"]:
            figures = ratios(row)
            lines.append(
                f"| {row['page']:<17} | {row['bytes']:>6} | {_figure(row['cold'])} | {_figure(row.get('warm'))} "
                f"| {_figure(row['floor'])} | {_figure(row.get('vanilla'))} | {figures['cold/floor']:>10.2f} "
                f"| {figures.get('cold/vanilla', 0):>12.2f} | {figures.get('warm/floor', 0):>10.2f} |"
            )
        tail = run["tail"]
        orders = tail["orders"]
        lines += [
            "",
            f"Long tail over {tail['products']:,} product pages (warm server): "
            f"{tail['without orders']['rps']:,.0f} req/s (p99 {tail['without orders']['p99_ms']} ms) without orders, "
            f"{tail['with orders']['rps']:,.0f} req/s (p99 {tail['with orders']['p99_ms']} ms) with "
            f"{orders['rate']} orders/s through the real checkout ({orders['paid']} paid of {orders['attempted']}): "
            f"x{ratio(tail['with orders']['rps'], tail['without orders']['rps']):.2f}; "
            f"floor {tail['floor']['rps']:,.0f} req/s",
        ]
        purge = run.get("purge")
        if purge:
            lines.append(
                f"Purge of {purge['carts']:,} stale carts with {purge['lines']:,} lines by {purge['purge']}: "
                f"{purge['product_seconds']:.2f} s against {purge['sql_seconds']:.2f} s for two plain DELETEs "
                f"(x{purge['ratio']:.2f}); peak memory growth {purge['peak_memory_mib']} MiB "
                f"({purge['peak_memory_small_mib']} MiB for {purge['memory_small_carts']:,} carts; "
                f"{purge['sql_peak_memory_mib']} MiB for the plain SQL)"
            )
    lines += [
        "",
        f"Targets: cold >= {COLD_OVER_FLOOR}x floor and >= {COLD_OVER_VANILLA}x vanilla; warm >= {WARM_OVER_FLOOR}x "
        f"floor; long tail with orders >= {TAIL_WITH_OVER_WITHOUT}x without; floors and vanilla pages within "
        f"{BYTES_TOLERANCE:.0%} of the page's bytes.",
        f"Whole run: {report['seconds']} s",
    ]
    if report["misses"]:
        lines.append("Targets missed:")
        lines += [f"  - {miss}" for miss in report["misses"]]
    else:
        lines.append("All targets met.")
    return "\n".join(lines)
