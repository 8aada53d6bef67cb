"""Build the benchmark's data set fast: pages are inserted in bulk with their tree paths computed here.

Wagtail's add_child() costs several queries per page; 10,000 of them take minutes. Here a page costs a
row in wagtailcore_page (bulk_create) and a row in its model's table (one executemany).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BATCH = 1000


def _step(number: int) -> str:
    """Treebeard's step for the number-th child (1-based): base 36, Page.steplen wide."""
    digits = ""
    while number:
        number, remainder = divmod(number, 36)
        digits = ALPHABET[remainder] + digits
    return digits.rjust(Page.steplen, "0")


def _step_number(step: str) -> int:
    return int(step, 36)


def bulk_add_children(parent: Page, model, rows: list[dict], *, now=None) -> list[int]:
    """Append live children of `model` under `parent`; each row holds `title`, `slug` and the model's own fields.

    Returns the new page ids in order. The parent's numchild follows, as do url_path and depth.
    """
    if not rows:
        return []
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(model)
    locale = Locale.get_default()
    parent.refresh_from_db()
    last_child = parent.get_last_child()
    start = _step_number(last_child.path[-Page.steplen :]) + 1 if last_child else 1
    pages = []
    for offset, row in enumerate(rows):
        published = now - timedelta(minutes=len(rows) - offset)
        pages.append(
            Page(
                title=row["title"],
                draft_title=row["title"],
                slug=row["slug"],
                content_type=content_type,
                path=parent.path + _step(start + offset),
                depth=parent.depth + 1,
                numchild=0,
                url_path=f"{parent.url_path}{row['slug']}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=published,
                last_published_at=published,
                latest_revision_created_at=published,
                locale=locale,
                translation_key=uuid.uuid4(),
            )
        )
    own_fields = [name for name in rows[0] if name not in {"title", "slug"}]
    columns = [model._meta.get_field(name).column for name in own_fields]
    table = model._meta.db_table
    ptr_column = model._meta.pk.column
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in [ptr_column, *columns])}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * (len(columns) + 1))})"
    )
    ids: list[int] = []
    with transaction.atomic():
        for first in range(0, len(pages), BATCH):
            batch = Page.objects.bulk_create(pages[first : first + BATCH])
            if batch[0].pk is None:  # a backend that does not return ids from a bulk insert
                paths = [page.path for page in batch]
                by_path = dict(Page.objects.filter(path__in=paths).values_list("path", "pk"))
                for page in batch:
                    page.pk = page.id = by_path[page.path]
            ids.extend(page.pk for page in batch)
        values = [[page_id, *(rows[index][name] for name in own_fields)] for index, page_id in enumerate(ids)]
        with connection.cursor() as cursor:
            for first in range(0, len(values), BATCH):
                cursor.executemany(insert, values[first : first + BATCH])
        Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(rows))
    parent.refresh_from_db()
    return ids


def home_page():
    return Site.objects.get(is_default_site=True).root_page.specific


def ensure_shop(size: int):
    """The shop index under the home page and `size` products in it (adds only what is missing)."""
    from shop.models import ProductPage, ProductVariant, ShopIndexPage, Stock

    home = home_page()
    index = ShopIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=ShopIndexPage(title="Shop", slug="shop", intro="<p>Things we sell.</p>"))
    have = ProductPage.objects.child_of(index).count()
    rows = [
        {
            "title": f"Product {number}",
            "slug": f"product-{number}",
            "sku": f"BENCH-{number:06d}",
            "summary": f"A sturdy thing, number {number}, made to last.",
            "body": "<p>Made to last, and priced fairly.</p>",
            "price_amount": 500 + (number * 37) % 10_000,
            "price_currency": "USD",
            # Digital: the order stream then checks out without an address or a shipping rate (shipping is not
            # what this measures; the pages render the same either way).
            "requires_shipping": False,
        }
        for number in range(have + 1, size + 1)
    ]
    bulk_add_children(index, ProductPage, rows)
    # Bulk-added pages skip ProductPage.save(): their implicit variants (the product's SKU) and those variants' stock
    # rows (shop.Stock) are made here.
    missing = ProductPage.objects.child_of(index).filter(variants__isnull=True).values_list("pk", "sku")
    ProductVariant.objects.bulk_create(
        [ProductVariant(product_id=pk, sku=sku, sort_order=0) for pk, sku in missing], batch_size=2000
    )
    unstocked = ProductVariant.objects.filter(product__in=ProductPage.objects.child_of(index), stock__isnull=True)
    Stock.objects.bulk_create(
        [
            Stock(variant_id=pk, quantity=3 + int(sku.rsplit("-", 1)[1]) % 40)
            for pk, sku in unstocked.values_list("pk", "sku")
        ],
        batch_size=2000,
    )
    return index


def analyze() -> None:
    """Refresh the database's planner statistics after the bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def public_url(url_path: str) -> str:
    """The URL a page at `url_path` has on the default site (whose root is the home page)."""
    root = home_page().url_path
    return "/" + url_path[len(root) :]


def ensure_buyers(count: int) -> list[tuple[str, str]]:
    """`count` signed-up buyers for the order stream: (username, password) pairs."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    buyers = []
    for number in range(1, count + 1):
        username = f"bench-buyer-{number}"
        if not user_model.objects.filter(username=username).exists():
            user_model.objects.create_user(username=username, email=f"{username}@example.com", password=BUYER_PASSWORD)
        buyers.append((username, BUYER_PASSWORD))
    return buyers


BUYER_PASSWORD = "bench-buyer-pass"  # noqa: S105 - throwaway users in the benchmark's own database
FILLER = "A vanilla page of the same size as the page it stands beside, in plain paragraphs. "


def filler_html(size: int) -> str:
    """Rich text of about `size` bytes, in paragraphs."""
    paragraph = "<p>" + FILLER * 8 + "</p>\n"
    whole, rest = divmod(max(size, 0), len(paragraph))
    tail = f"<p>{FILLER * (max(rest - 8, 0) // len(FILLER))}</p>\n" if rest > 8 + len(FILLER) else ""
    return paragraph * whole + tail


def ensure_vanilla_site(host: str):
    """The vanilla Wagtail site: its root page (a VanillaPage beside the project's home) and its Site for `host`."""
    from benchmarks.models import VanillaPage

    root = VanillaPage.objects.filter(depth=2).first()
    if root is None:
        root = Page.get_first_root_node().add_child(instance=VanillaPage(title="Vanilla", slug="vanilla-root"))
    Site.objects.get_or_create(hostname=host, defaults={"port": 80, "root_page": root, "site_name": "Vanilla"})
    return root


def vanilla_page(root, *, slug: str, title: str, body: str) -> str:
    """A VanillaPage under the vanilla root with this title and body (made or updated); returns its path."""
    from benchmarks.models import VanillaPage

    page = VanillaPage.objects.child_of(root).filter(slug=slug).first()
    if page is None:
        root.add_child(instance=VanillaPage(title=title, slug=slug, body=body))
    else:
        VanillaPage.objects.filter(pk=page.pk).update(title=title, body=body)
    return f"/{slug}/"
