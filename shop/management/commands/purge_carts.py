from django.core.management.base import BaseCommand, CommandError

from shop.durations import DurationError, parse_duration
from shop.models import Cart


class Command(BaseCommand):
    help = (
        "Delete carts (and their lines) with no activity for longer than --older-than, in batches, keeping carts "
        "with a checkout in progress. The same code the daily housekeeping task runs; safe at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default="",
            help='how long a cart must have been idle, e.g. "7 days", "1 week", "36 hours", "90m" '
            "(default: the SHOP_CART_STALE_AFTER setting, a week)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")
        parser.add_argument("--batch-size", type=int, default=None, help="carts per transaction (default: setting)")

    def handle(self, *args, older_than: str, dry_run: bool, batch_size: int | None, **options):
        try:
            duration = parse_duration(older_than) if older_than else None
        except DurationError as error:
            raise CommandError(f"--older-than: {error}") from error
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = Cart.purge_stale(duration, batch_size=batch_size, dry_run=dry_run)
        carts = f"{result.carts} cart{'' if result.carts == 1 else 's'}"
        lines = f"{result.lines} line{'' if result.lines == 1 else 's'}"
        since = result.cutoff.strftime("%Y-%m-%d %H:%M:%S %Z")
        if dry_run:
            self.stdout.write(f"Dry run: would delete {carts} and {lines} idle since before {since}.")
        else:
            self.stdout.write(f"Deleted {carts} and {lines} idle since before {since} ({result.batches} batches).")
