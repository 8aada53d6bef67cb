"""The offline Stripe sandbox: development and test tooling only.

Our own small aiohttp server (server.py) answers the Stripe calls this project makes. It implements
what localstripe lacks (Checkout Sessions and their hosted payment page, Stripe-signed webhooks, events,
idempotency keys, refund limits) and passes every other `/v1/...` request to localstripe, which runs
unmodified in its own process on loopback (localstripe_launcher.py). aiohttp and localstripe are
development dependencies, so nothing on a production code path may import this package: the
`stripe_sandbox` command imports it inside `handle()`, and the test fixture from the root conftest.py.
"""
