"""The receipt page a paid charge's `receipt_url` opens (`/receipts/<charge id>`), as Stripe's hosted receipts are: what
was paid, when, for what and with which card. Plain HTML with no script, like the payment page."""

from datetime import UTC, datetime
from html import escape

from aiohttp import web

from .payment_page import html_response
from .payment_page_html import document, format_amount, render_not_found_page
from .shape import present
from .state import sandbox_of


def render_receipt(charge: dict, card: dict) -> str:
    paid = datetime.fromtimestamp(charge["created"], tz=UTC)
    amount = format_amount(charge["amount"], charge["currency"])
    rows = [
        ("Amount paid", amount),
        ("Date paid", f"{paid:%-d %B %Y, %H:%M} UTC"),
        ("Description", charge.get("description") or "—"),
        ("Payment method", f"{(card.get('brand') or 'Card').title()} ending in {card.get('last4') or '????'}"),
        ("Receipt number", charge["id"]),
    ]
    refunded = charge.get("amount_refunded") or 0
    if refunded:
        rows.insert(1, ("Refunded", format_amount(refunded, charge["currency"])))
    details = "".join(f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>' for label, value in rows)
    body = (
        f"<h1>Receipt for {escape(amount)}</h1>\n"
        f'<table>\n<caption class="help">Payment details</caption>\n<tbody>{details}</tbody>\n</table>\n'
        '<p class="help">Keep this page for your records. Questions about this payment go to the seller.</p>'
    )
    return document(f"Receipt for {amount}", body)


async def receipt_page(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    status, charge = await sandbox.call("GET", f"/v1/charges/{request.match_info['id']}")
    if status != 200 or charge.get("status") != "succeeded":
        return html_response(render_not_found_page("Receipt not found"), status=404)
    charge = present(sandbox, charge, set())
    card = {}
    if charge.get("payment_method"):
        status, method = await sandbox.call("GET", f"/v1/payment_methods/{charge['payment_method']}")
        card = (method.get("card") or {}) if status == 200 else {}
    return html_response(render_receipt(charge, card))
