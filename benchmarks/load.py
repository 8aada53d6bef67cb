"""A bounded HTTP load from a process of its own: `python -m benchmarks.load BASE_URL --paths FILE ...` prints JSON
(requests per second, p99 latency, successes and failures).

It drives wrk (Debian's `wrk`) when installed, rotating over the paths in FILE with a Lua script, else a Python client
of plain http.client threads with keep-alive. Either way it talks to loopback only, imports no Django, and stops
after --seconds. Only 200 answers count as successes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WRK_MARKER = "BENCH-WRK "
# Rotates over the paths file (one path a line), each thread from its own offset; prints one JSON line at the end.
WRK_SCRIPT = r"""
local paths = {}
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  counter = tonumber(offset) or 0
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "microseconds": %d, "p99_us": %d, "p50_us": %d, "non2xx": %d, "socket_errors": %d}\n',
    "BENCH-WRK ", summary.requests, summary.duration, latency:percentile(99), latency:percentile(50), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_wrk(base: str, paths: list[str], *, seconds: float, concurrency: int, headers: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        script = Path(directory) / "rotate.lua"
        script.write_text(WRK_SCRIPT)
        listing = Path(directory) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        command = [
            "wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{max(seconds, 1):g}s",
            "--timeout", "10s", "-s", str(script),
        ]  # fmt: skip
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [base + paths[0], "--", str(listing)]
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    line = next(line for line in done.stdout.splitlines() if line.startswith(WRK_MARKER))
    figures = json.loads(line[len(WRK_MARKER) :])
    elapsed = figures["microseconds"] / 1e6
    failed = figures["non2xx"] + figures["socket_errors"]
    ok = figures["requests"] - figures["non2xx"]
    return {
        "engine": "wrk",
        "seconds": round(elapsed, 2),
        "ok": ok,
        "failed": failed,
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(figures["p50_us"] / 1000, 2),
        "p99_ms": round(figures["p99_us"] / 1000, 2),
    }


def run_python(base: str, paths: list[str], *, seconds: float, concurrency: int, headers: dict[str, str]) -> dict:
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        number, ok, failed, mine = offset * 7919, 0, 0, []
        while time.monotonic() < deadline:
            number += 1
            started = time.perf_counter()
            try:
                connection.request("GET", paths[number % len(paths)], headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status == 200:
                    ok += 1
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "engine": "python",
        "seconds": round(elapsed, 2),
        "ok": counts["ok"],
        "failed": counts["failed"],
        "rps": round(counts["ok"] / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
    }


def run(base: str, paths: list[str], *, seconds: float, concurrency: int, headers: dict[str, str], engine: str) -> dict:
    if urlsplit(base).hostname not in LOOPBACK:
        raise SystemExit("the load generator only talks to this machine")
    if not paths:
        raise SystemExit("no paths to load")
    if engine == "auto":
        engine = "wrk" if shutil.which("wrk") else "python"
    runner = run_wrk if engine == "wrk" else run_python
    return runner(base, paths, seconds=seconds, concurrency=concurrency, headers=headers)


HEADER_RE = re.compile(r"^([A-Za-z0-9-]+):\s*(.*)$")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="http://127.0.0.1:PORT")
    parser.add_argument("--paths", required=True, help="a file of paths, one a line, loaded in rotation")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--engine", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 60:
        parser.error("--seconds must be between 0 and 60")
    headers = {}
    for header in args.header:
        match = HEADER_RE.match(header)
        if not match:
            parser.error(f"--header takes 'Name: value', not {header!r}")
        headers[match.group(1)] = match.group(2)
    paths = [line.strip() for line in Path(args.paths).read_text().splitlines() if line.strip()]
    result = run(
        args.base, paths, seconds=args.seconds, concurrency=args.concurrency, headers=headers, engine=args.engine
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
