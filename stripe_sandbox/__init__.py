"""The offline Stripe sandbox: a development and test tool beside the apps, never part of the site.

Our own small aiohttp server (assembled in server.py, which maps the other modules) answers the Stripe
calls this project makes. It implements what localstripe lacks (Checkout Sessions and their hosted
payment page, Stripe-signed webhooks, events, idempotency keys, refund limits) and passes every other
`/v1/...` request to localstripe, which runs unmodified in its own process on loopback
(localstripe_launcher.py; runner.py starts both). aiohttp and localstripe are development dependencies,
so no module outside this package and the tests may import it (tests/stripe_sandbox/test_isolation.py):
it is in INSTALLED_APPS of the dev and test settings only, so that its `stripe_sandbox` command exists,
and that command imports the server inside `handle()`; the test fixtures import it from the root conftest.py.
"""
