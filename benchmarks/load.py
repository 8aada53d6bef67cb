"""A bounded HTTP load from its own process: `python -m benchmarks.load URL ...` prints JSON.

Plain http.client with keep-alive on loopback only; no Django import, so it does not share the
server's interpreter or its GIL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _connection(host: str, port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(host, port, timeout=10)


def _csrf(host: str, port: int, form_path: str) -> tuple[str, str]:
    """A CSRF cookie and a form token from a page holding a form, as a browser would have them."""
    connection = _connection(host, port)
    connection.request("GET", form_path)
    response = connection.getresponse()
    body = response.read().decode()
    cookie = ""
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("csrftoken="):
            cookie = value.split(";", 1)[0]
    match = TOKEN_RE.search(body)
    connection.close()
    if not cookie or not match:
        raise SystemExit(f"no CSRF token on {form_path} (status {response.status})")
    return cookie, match.group(1)


def run(url: str, *, seconds: float, concurrency: int, mode: str, products: list[int], form_path: str) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise SystemExit("the load generator only talks to this machine")
    host, port = parts.hostname, parts.port or 80
    cookie = token = ""
    if mode == "add-to-cart":
        cookie, token = _csrf(host, port, form_path)
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        connection = _connection(host, port)
        number = offset
        ok = failed = 0
        while time.monotonic() < deadline:
            number += concurrency
            try:
                if mode == "add-to-cart":
                    # A new visitor each time (no session cookie): the cost of a first add, cart and session included.
                    body = urlencode(
                        {"csrfmiddlewaretoken": token, "product": products[number % len(products)], "quantity": 1}
                    )
                    headers = {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                        "Cookie": cookie,
                    }
                    connection.request("POST", parts.path, body=body, headers=headers)
                else:
                    connection.request("GET", parts.path)
                response = connection.getresponse()
                response.read()
                if 200 <= response.status < 300:
                    ok += 1
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = _connection(host, port)
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "url": url,
        "mode": mode,
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
        "ok": counts["ok"],
        "failed": counts["failed"],
        "rps": round(counts["ok"] / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--mode", choices=["get", "add-to-cart"], default="get")
    parser.add_argument("--products", default="", help="comma-separated product ids for add-to-cart")
    parser.add_argument("--form-path", default="/", help="a page whose form carries a CSRF token")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 20:
        parser.error("--seconds must be between 0 and 20")
    products = [int(value) for value in args.products.split(",") if value]
    result = run(
        args.url,
        seconds=args.seconds,
        concurrency=args.concurrency,
        mode=args.mode,
        products=products,
        form_path=args.form_path,
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
