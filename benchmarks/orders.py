"""A stream of orders placed through the real checkout, from a process of its own:
`python -m benchmarks.orders BASE_URL --sandbox URL --buyers FILE --products IDS --rate 1.5 --seconds S` prints JSON.

Each order is what a signed-in buyer does: add a product to the cart, check out (the site creates the order, holds
its stock and opens a Stripe Checkout Session at the offline sandbox), and pay on the sandbox's hosted page; the
sandbox then posts `checkout.session.completed` to the site's webhook, which fulfils the order (stock sold, pages
purged). Orders start at a steady `rate` a second (a slow one delays the next, it never bunches them up).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import requests

from stripe_sandbox.testing import CardDeclined, SandboxRequestError, StripeSandbox

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SESSION_ID_RE = re.compile(r"cs_[A-Za-z0-9_]+")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    match = TOKEN_RE.search(page.text)
    if page.status_code != 200 or match is None:
        raise SystemExit(f"the sign-in page answered {page.status_code} without a CSRF token")
    done = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if done.status_code != 302:
        raise SystemExit(f"signing in {username} answered {done.status_code}")
    return session


def place_order(base: str, buyer: requests.Session, sandbox: StripeSandbox, product_id: int) -> str:
    """One order, added, checked out and paid; returns what happened ("paid", or why not)."""
    headers = {"X-CSRFToken": buyer.cookies.get("csrftoken", ""), "Referer": f"{base}/cart/"}
    added = buyer.post(
        f"{base}/cart/add/",
        data={"product": product_id, "quantity": 1},
        headers={**headers, "Accept": "application/json"},
        timeout=30,
    )
    if added.status_code != 200:
        return f"add answered {added.status_code}"
    checkout = buyer.post(f"{base}/cart/checkout/", headers=headers, allow_redirects=False, timeout=30)
    match = SESSION_ID_RE.search(checkout.headers.get("Location", ""))
    if checkout.status_code != 303 or match is None:
        return f"checkout answered {checkout.status_code} to {checkout.headers.get('Location', '')}"
    try:
        sandbox.pay_checkout_session(match.group(0))
    except (CardDeclined, SandboxRequestError) as error:
        return f"payment refused: {error}"
    return "paid"


def run(base: str, *, sandbox_url: str, webhook_secret: str, buyers, products, rate: float, seconds: float) -> dict:
    for url in (base, sandbox_url):
        if urlsplit(url).hostname not in LOOPBACK:
            raise SystemExit("the order stream only talks to this machine")
    sandbox = StripeSandbox(SimpleNamespace(url=sandbox_url), webhook_secret=webhook_secret)
    sessions = [sign_in(base, username, password) for username, password in buyers]
    chooser = random.Random(20261129)  # noqa: S311 - a load pattern, not a secret
    outcomes: dict[str, int] = {}
    started = time.monotonic()
    number = 0
    while True:
        due = started + number / rate
        now = time.monotonic()
        if due - started >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        outcome = place_order(base, sessions[number % len(sessions)], sandbox, chooser.choice(products))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        number += 1
    elapsed = time.monotonic() - started
    paid = outcomes.get("paid", 0)
    return {"seconds": round(elapsed, 2), "attempted": number, "paid": paid, "rate": round(paid / elapsed, 2),
            "outcomes": outcomes}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base")
    parser.add_argument("--sandbox", required=True, help="the sandbox's base URL")
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--buyers", required=True, help="a file of 'username password' lines")
    parser.add_argument("--products", required=True, help="comma-separated product page ids")
    parser.add_argument("--rate", type=float, default=1.5, help="orders a second")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    if not 0 < args.rate <= 20 or not 0 < args.seconds <= 120:
        parser.error("--rate must be in (0, 20] and --seconds in (0, 120]")
    buyers = [tuple(line.split(" ", 1)) for line in Path(args.buyers).read_text().splitlines() if line.strip()]
    products = [int(value) for value in args.products.split(",") if value]
    result = run(
        args.base,
        sandbox_url=args.sandbox,
        webhook_secret=args.webhook_secret,
        buyers=buyers,
        products=products,
        rate=args.rate,
        seconds=args.seconds,
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
