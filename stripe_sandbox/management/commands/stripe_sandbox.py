import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_PORT = 12111


class Command(BaseCommand):
    help = (
        "Serve the offline Stripe sandbox on 127.0.0.1 (Checkout, hosted payment page, signed webhooks) "
        "until Ctrl-C. Development only: needs requirements-dev.txt. Keeps no state on disk unless --state-dir."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})"
        )
        parser.add_argument(
            "--webhook-url",
            action="append",
            default=[],
            help="send every event to this URL, signed like Stripe (repeat for more endpoints)",
        )
        parser.add_argument(
            "--webhook-secret",
            default="",
            help="whsec_... signing secret (default: STRIPE_WEBHOOK_SECRET, else whsec_test_sandbox)",
        )
        parser.add_argument(
            "--state-dir", default="", help="keep the sandbox's data in this folder across restarts (default: none)"
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args, **options):
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {options['port']}.")
        for url in options["webhook_url"]:
            if not url.startswith(("http://", "https://")):
                raise CommandError(f"--webhook-url must be an http(s) URL, not {url!r}.")
        secret = options["webhook_secret"] or settings.STRIPE_WEBHOOK_SECRET or "whsec_test_sandbox"
        if not secret.startswith("whsec_"):
            raise CommandError("The webhook signing secret must start with whsec_.")
        try:
            # Imported here: aiohttp and localstripe are development dependencies only.
            from stripe_sandbox.runner import SandboxServer, SandboxStartError
        except ImportError as error:
            raise CommandError(
                f"The Stripe sandbox needs the development requirements ({error}): pip install -r requirements-dev.txt"
            ) from error

        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s sandbox %(message)s"))
        for name in ("stripe_sandbox", "aiohttp.access"):
            log = logging.getLogger(name)
            log.addHandler(handler)
            log.setLevel(logging.WARNING if options["quiet"] else logging.INFO)
            log.propagate = False

        server = SandboxServer(
            port=options["port"],
            webhook_secret=secret,
            webhook_urls=options["webhook_url"],
            state_dir=options["state_dir"],
            expire_in_background=True,
            access_log=None if options["quiet"] else logging.getLogger("aiohttp.access"),
        )

        def ready(server):
            self.stdout.write(self.style.SUCCESS(f"Stripe sandbox on {server.url} (Ctrl-C stops it)."))
            self.stdout.write(f"  STRIPE_API_BASE={server.url}")
            self.stdout.write("  STRIPE_SECRET_KEY=sk_test_sandbox (any sk_test_... key works)")
            self.stdout.write(f"  STRIPE_WEBHOOK_SECRET={secret}")
            for url in options["webhook_url"]:
                self.stdout.write(f"  webhooks go to {url}")
            if not options["webhook_url"]:
                self.stdout.write("  no webhook endpoint: pass --webhook-url to have events sent")
            self.stdout.flush()

        try:
            server.serve_forever(on_ready=ready)
        except (SandboxStartError, OSError) as error:
            raise CommandError(f"The Stripe sandbox could not start: {error}") from error
        self.stdout.write("Stripe sandbox stopped.")
