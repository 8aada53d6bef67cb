"""The floor: for each benchmarked page, a bare view that renders the same rows from one hand-written query.

Reached only through benchmarks.urls (the runner swaps it in); never part of the product.
The page's time over its floor's is what the benchmark's targets are about.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string

from billing.money import format_amount
from shop.querysets import PRODUCT_SORTS

ROOT_URL_PATH = "/home/"  # the default site's root page (website migration 0002)


def _rows(sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _url(url_path: str) -> str:
    return "/" + url_path[len(ROOT_URL_PATH) :]


def _availability(stock: int) -> tuple[str, str]:
    if stock <= 0:
        return "out", "Sold out"
    if stock <= settings.SHOP_LOW_STOCK_THRESHOLD:
        return "low", f"Only {stock} left"
    return "in", "In stock"


def _render(request, template: str, context: dict) -> HttpResponse:
    """Through the site's own base.html and context processors (the per-visitor header: cart count, sign-in state,
    messages, CSRF token), with the site branding taken from the floor's query rather than the settings lookup."""
    context["settings"] = {
        "website": {"SiteBranding": {"site_name": context.pop("site_name"), "footer_text": context.pop("footer_text")}}
    }
    return HttpResponse(render_to_string(template, context, request=request))


BRANDING = (
    "(SELECT b.site_name FROM website_sitebranding b) AS site_name, "
    "(SELECT b.footer_text FROM website_sitebranding b) AS footer_text"
)


def home(request):
    rows = _rows(
        f"SELECT p.title, h.intro, h.body, {BRANDING} "  # noqa: S608
        "FROM wagtailcore_site s JOIN wagtailcore_page p ON p.id = s.root_page_id "
        "JOIN website_homepage h ON h.page_ptr_id = p.id WHERE s.is_default_site AND p.live",
        [],
    )
    if not rows:
        raise Http404
    row = rows[0]
    return _render(
        request,
        "benchmarks/floor_home.html",
        {"row": row, "title": row["title"], "site_name": row["site_name"], "footer_text": row["footer_text"]},
    )


def product_list(request):
    page_size = settings.SHOP_PAGE_SIZE
    # The shop has one index page (ShopIndexPage.max_count = 1), so every product row is one of its children.
    rows = _rows(
        "SELECT p.title, p.url_path, pp.summary, pp.price_amount, pp.price_currency, "
        "(SELECT COALESCE(SUM(s.quantity), 0) FROM shop_stock s JOIN shop_productvariant v ON v.id = s.variant_id "
        "WHERE v.product_id = pp.page_ptr_id) AS stock_on_hand, "
        "i.title AS index_title, si.intro, "
        "(SELECT COUNT(*) FROM shop_productpage c JOIN wagtailcore_page cp ON cp.id = c.page_ptr_id WHERE cp.live) "
        "AS total, "
        "(SELECT b.site_name FROM website_sitebranding b) AS site_name, "
        "(SELECT b.footer_text FROM website_sitebranding b) AS footer_text "
        "FROM shop_productpage pp JOIN wagtailcore_page p ON p.id = pp.page_ptr_id "
        "JOIN wagtailcore_page i ON i.slug = %s AND i.url_path = %s "
        "JOIN shop_shopindexpage si ON si.page_ptr_id = i.id "
        "WHERE p.live ORDER BY p.first_published_at DESC, p.id DESC LIMIT %s",
        ["shop", ROOT_URL_PATH + "shop/", page_size],
    )
    if not rows:
        raise Http404
    for row in rows:
        row["url"] = _url(row["url_path"])
        row["price"] = format_amount(row["price_amount"], row["price_currency"])
        row["level"], row["label"] = _availability(row["stock_on_hand"])
    count = rows[0]["total"]
    return _render(
        request,
        "benchmarks/floor_product_list.html",
        {
            "rows": rows,
            "count": count,
            "pages": -(-count // page_size),
            "title": rows[0]["index_title"],
            "intro": rows[0]["intro"],
            "sort_choices": [(key, label) for key, (label, _ordering) in PRODUCT_SORTS.items()],
            "site_name": rows[0]["site_name"],
            "footer_text": rows[0]["footer_text"],
        },
    )


def product(request, slug: str):
    rows = _rows(
        "SELECT p.id, p.title, pp.summary, pp.body, pp.sku, pp.price_amount, pp.price_currency, "
        "(SELECT COALESCE(SUM(s.quantity), 0) FROM shop_stock s JOIN shop_productvariant v ON v.id = s.variant_id "
        "WHERE v.product_id = pp.page_ptr_id) AS stock_on_hand, "
        "(SELECT b.site_name FROM website_sitebranding b) AS site_name, "
        "(SELECT b.footer_text FROM website_sitebranding b) AS footer_text "
        "FROM wagtailcore_page p JOIN shop_productpage pp ON pp.page_ptr_id = p.id "
        "WHERE p.slug = %s AND p.url_path = %s AND p.live",
        [slug, f"{ROOT_URL_PATH}shop/{slug}/"],
    )
    if not rows:
        raise Http404
    row = rows[0]
    row["price"] = format_amount(row["price_amount"], row["price_currency"])
    row["level"], row["label"] = _availability(row["stock_on_hand"])
    row["max_quantity"] = max(min(settings.SHOP_MAX_QUANTITY_PER_LINE, row["stock_on_hand"]), 1)
    return _render(
        request,
        "benchmarks/floor_product.html",
        {
            "row": row,
            "title": row["title"],
            "site_name": row["site_name"],
            "footer_text": row["footer_text"],
        },
    )


def cart(request):
    from shop.selectors import CART_SESSION_KEY

    cart_id = request.session.get(CART_SESSION_KEY)
    rows = _rows(
        "SELECT li.id, li.quantity, p.title, p.url_path, pp.price_amount, pp.price_currency, "
        "(SELECT s.quantity FROM shop_stock s WHERE s.variant_id = li.variant_id) AS stock_on_hand, "
        "(SELECT b.site_name FROM website_sitebranding b) AS site_name, "
        "(SELECT b.footer_text FROM website_sitebranding b) AS footer_text "
        "FROM shop_lineitem li JOIN shop_cart c ON c.id = li.cart_id AND c.user_id IS NULL "
        "JOIN shop_productpage pp ON pp.page_ptr_id = li.product_id JOIN wagtailcore_page p ON p.id = pp.page_ptr_id "
        "WHERE li.cart_id = %s ORDER BY li.created_at, li.id",
        [cart_id],
    )
    if not rows:
        raise Http404
    for row in rows:
        row["url"] = _url(row["url_path"])
        row["price"] = format_amount(row["price_amount"], row["price_currency"])
        row["total"] = format_amount(row["price_amount"] * row["quantity"], row["price_currency"])
        row["max_quantity"] = max(min(settings.SHOP_MAX_QUANTITY_PER_LINE, row["stock_on_hand"]), 1)
    item_count = sum(row["quantity"] for row in rows)
    subtotal = format_amount(sum(row["price_amount"] * row["quantity"] for row in rows), rows[0]["price_currency"])
    return _render(
        request,
        "benchmarks/floor_cart.html",
        {
            "rows": rows,
            "title": "Your cart",
            "subtotal": subtotal,
            "item_count": item_count,
            "site_name": rows[0]["site_name"],
            "footer_text": rows[0]["footer_text"],
        },
    )
