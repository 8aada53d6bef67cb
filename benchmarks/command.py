"""`make bench` (`python -m benchmarks`): build a data set in the benchmark's own database, measure the pages
against their floors, the cart purge against plain SQL and requests per second under gunicorn, print the table and
exit non-zero when a target is missed.

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
MAX_RATIO = 1.5


def _sizes(value: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError as error:
        raise CommandError(f"--sizes takes comma-separated whole numbers, not {value!r}") from error
    if not sizes or sizes[0] < 3:
        raise CommandError("--sizes needs at least one size of 3 or more (the cart holds 3 products)")
    return sizes


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
    help = "Benchmark the pages against bare floor views, the cart purge and gunicorn throughput; exit 1 on a miss."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
        parser.add_argument("--sizes", default="100,10000", help="products (and job listings) per data set")
        parser.add_argument("--requests", type=int, default=200, help="timed requests per page and per floor")
        parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both")
        parser.add_argument(
            "--postgres-url",
            default=DEFAULT_POSTGRES_URL,
            help=f"the benchmark's PostgreSQL database (dropped and created; named {BENCH_DATABASE}[_suffix])",
        )
        parser.add_argument("--purge-carts", type=int, default=100_000, help="stale carts to purge (0 skips)")
        parser.add_argument("--lines-per-cart", type=int, default=3)
        parser.add_argument("--load-seconds", type=float, default=10, help="seconds of load per case (0 skips)")
        parser.add_argument("--concurrency", type=int, default=4, help="connections the load generator keeps open")
        parser.add_argument("--worker", action="store_true", help=argparse_suppress())
        parser.add_argument("--purge-probe", choices=["product", "sql"], help=argparse_suppress())

    def handle(self, *args, **options):
        sizes = _sizes(options["sizes"])
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1")
        if not 0 <= options["load_seconds"] <= 20:
            raise CommandError("--load-seconds must be between 0 and 20")
        if options["purge_probe"]:
            return self._purge_probe(options["purge_probe"])
        if options["worker"]:
            return self._work(sizes, options)
        return self._orchestrate(sizes, options)

    # --- the parent: one worker per backend, then the report ----------------------------------------------------
    def _orchestrate(self, sizes, options):
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
            "runs": runs,
        }
        report["misses"] = misses(report, sizes)
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
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS,
            "REDIS_URL": "",
        }
        command = [
            sys.executable, "-m", "benchmarks", "--worker",
            "--sizes", options["sizes"], "--requests", str(options["requests"]),
            "--purge-carts", str(options["purge_carts"]), "--lines-per-cart", str(options["lines_per_cart"]),
            "--load-seconds", str(options["load_seconds"]), "--concurrency", str(options["concurrency"]),
        ]  # fmt: skip
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
        from benchmarks import runner

        require_benchmark_database()
        self.stdout.write("PROBE " + json.dumps(runner.purge_probe(which)))

    def _work(self, sizes, options):
        from django.db import connection

        from benchmarks import runner

        require_benchmark_database()

        def log(message: str) -> None:
            self.stderr.write(message)

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        log(f"  migrated in {time.monotonic() - started:.1f}s")
        result = {
            "database": f"{connection.vendor} {database_version(connection)}",
            "pages": runner.measure_pages(sizes, options["requests"], log),
        }
        if options["purge_carts"]:
            result["purge"] = runner.measure_purge(options["purge_carts"], options["lines_per_cart"], log)
        if options["load_seconds"]:
            result["load"] = runner.measure_load(options["load_seconds"], options["concurrency"], log)
        self.stdout.write(RESULT_MARKER + json.dumps(result))


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
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "platform": platform.platform(),
    }


def misses(report: dict, sizes: list[int]) -> list[str]:
    """Every target missed, in words; empty when the run passes."""
    found = []
    for run in report["runs"]:
        backend = run["backend"]
        by_page: dict[str, dict[int, dict]] = {}
        for row in run["pages"]:
            by_page.setdefault(row["page"], {})[row["size"]] = row
            if row["ratio"] > MAX_RATIO:
                found.append(f"{backend}: {row['page']} at {row['size']} is {row['ratio']}x its floor (> {MAX_RATIO}x)")
        for page, rows in by_page.items():
            counts = {size: row["queries"] for size, row in rows.items()}
            if len(set(counts.values())) > 1:
                found.append(f"{backend}: {page} runs {counts} queries by size (must not grow)")
        purge = run.get("purge")
        if purge:
            if purge["ratio"] > MAX_RATIO:
                found.append(f"{backend}: the cart purge takes {purge['ratio']}x the plain SQL (> {MAX_RATIO}x)")
            # Flat: ten times the carts may not need noticeably more memory (peak RSS growth, so a few MiB of slack).
            if purge["peak_memory_mib"] > 1.5 * purge["peak_memory_small_mib"] + 8:
                found.append(
                    f"{backend}: the cart purge's memory grows with the carts "
                    f"({purge['peak_memory_small_mib']} MiB for {purge['memory_small_carts']}, "
                    f"{purge['peak_memory_mib']} MiB for {purge['carts']})"
                )
        for load in run.get("load", []):
            if load["ok"] == 0 or load["failed"]:
                found.append(
                    f"{backend}: load on {load['case']} had {load['failed']} failures and {load['ok']} successes"
                )
    return found


def format_report(report: dict) -> str:
    machine_info = report["machine"]
    lines = [
        f"Machine: {machine_info['cpus']} CPUs, {machine_info['memory']}, Python {machine_info['python']}, "
        f"Django {machine_info['django']}, Wagtail {machine_info['wagtail']}",
    ]
    for run in report["runs"]:
        lines += ["", f"{run['backend']} ({run['database']})", ""]
        lines.append(
            f"| {'page':<18} | {'rows':>6} | {'median ms':>9} | {'p95 ms':>8} | {'queries':>7} "
            f"| {'floor ms':>8} | {'floor q':>7} | {'ratio':>5} |"
        )
        lines.append(f"|{'-' * 20}|{'-' * 7}:|{'-' * 10}:|{'-' * 9}:|{'-' * 8}:|{'-' * 9}:|{'-' * 8}:|{'-' * 6}:|")
        for row in run["pages"]:
            lines.append(
                f"| {row['page']:<18} | {row['size']:>6} | {row['median_ms']:>9.2f} | {row['p95_ms']:>8.2f} "
                f"| {row['queries']:>7} | {row['floor_median_ms']:>8.2f} | {row['floor_queries']:>7} "
                f"| {row['ratio']:>5.2f} |"
            )
        purge = run.get("purge")
        if purge:
            lines.append("")
            lines.append(
                f"Purge of {purge['carts']:,} stale carts with {purge['lines']:,} lines by {purge['purge']}: "
                f"{purge['product_seconds']:.2f} s against {purge['sql_seconds']:.2f} s for two plain DELETEs "
                f"(x{purge['ratio']:.2f}); peak memory growth {purge['peak_memory_mib']} MiB "
                f"({purge['peak_memory_small_mib']} MiB for {purge['memory_small_carts']:,} carts; "
                f"{purge['sql_peak_memory_mib']} MiB for the plain SQL)"
            )
        for load in run.get("load", []):
            lines.append(
                f"gunicorn, 2 workers, {load['concurrency']} connections, {load['seconds']} s: {load['case']} "
                f"{load['rps']} requests/s ({load['ok']} ok, {load['failed']} failed)"
            )
    lines.append("")
    lines.append(f"Whole run: {report['seconds']} s")
    if report["misses"]:
        lines.append("Targets missed:")
        lines += [f"  - {miss}" for miss in report["misses"]]
    else:
        lines.append("All targets met.")
    return "\n".join(lines)
