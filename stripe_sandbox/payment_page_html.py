"""The hosted payment page's HTML (payment_page.py serves it): plain, accessible HTML with no script."""

from html import escape

ZERO_DECIMAL_CURRENCIES = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
}  # fmt: skip
THREE_DECIMAL_CURRENCIES = {"bhd", "jod", "kwd", "omr", "tnd"}

STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
        background: #f4f5f7; line-height: 1.5; }
body { margin: 0; }
.banner { margin: 0; padding: .4rem 1rem; background: #fff4d6; color: #5c3b00; text-align: center; font-weight: 600; }
main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border: 1px solid #d5d9e0;
       border-radius: 8px; overflow-wrap: anywhere; }
@media (max-width: 36rem) { main { margin: 0; padding: 1rem; border-width: 0 0 1px; border-radius: 0; }
                            td img { display: none; } th { overflow-wrap: normal; } }
h1 { font-size: 1.5rem; margin-top: 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .4rem 0; border-bottom: 1px solid #d5d9e0; }
td.amount, th.amount { text-align: right; }
tbody th[scope=row] { padding-right: 1rem; }
tfoot th, tfoot td { font-weight: 700; border-bottom: 0; }
fieldset { border: 1px solid #d5d9e0; border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem; min-width: 0; }
legend { font-weight: 600; padding: 0 .25rem; }
.field { display: flex; flex-direction: column; gap: .25rem; margin-bottom: 1rem; }
.row { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.row .field { flex: 1 1 8rem; min-width: 0; }
label { font-weight: 600; }
.choice label { font-weight: 400; }
td img { width: 48px; height: 48px; object-fit: cover; border-radius: 4px; vertical-align: middle;
         margin-right: .5rem; }
select, input[type=text], input[type=email] { font: inherit; padding: .5rem .6rem; border: 1px solid #767e8c;
       border-radius: 6px; color: #1b1f24; background: #fff; width: 100%; min-width: 0; box-sizing: border-box; }
input[aria-invalid=true] { border-color: #a1262b; border-width: 2px; }
.help { color: #4a5260; font-size: .9rem; margin: 0; }
.error { padding: .75rem 1rem; border: 1px solid #e3a6a8; background: #fbeaea; color: #8c1f24; border-radius: 6px;
         font-weight: 600; }
.actions { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; padding: .6rem 1.4rem; border-radius: 6px; border: 2px solid #0b5cad;
         background: #0b5cad; color: #fff; cursor: pointer; }
button:hover { background: #083f78; border-color: #083f78; }
a { color: #0b5cad; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; box-shadow: 0 0 0 5px #1b1f24; }
"""


def format_amount(amount: int, currency: str) -> str:
    currency = currency.lower()
    if currency in ZERO_DECIMAL_CURRENCIES:
        major = f"{amount:,}"
    elif currency in THREE_DECIMAL_CURRENCIES:
        major = f"{amount // 1000:,}.{amount % 1000:03d}"
    else:
        major = f"{amount // 100:,}.{amount % 100:02d}"
    return f"{major} {currency.upper()}"


def document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · Stripe sandbox</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        '<p class="banner" role="note">Test mode: local Stripe sandbox. No real money moves.</p>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def render_payment_page(
    session: dict,
    line_items: list[dict],
    saved_cards: list[dict],
    *,
    error: str = "",
    values: dict | None = None,
    shipping_rates: dict | None = None,
) -> str:
    values = values or {}
    total = format_amount(session["amount_total"], session["currency"])
    rows = "".join(
        f"<tr><td>{_item_image(item)}{escape(item['description'])}</td><td>{item['quantity']}</td>"
        f'<td class="amount">{escape(format_amount(item["amount_total"], item["currency"]))}</td></tr>'
        for item in line_items
    )
    shipping_row, shipping_fields = _shipping_parts(session, shipping_rates or {}, values)
    error_html = f'<p class="error" role="alert" id="payment-error">{escape(error)}</p>' if error else ""
    described_by = "payment-error card-help" if error else "card-help"
    chosen = values.get("payment_method") or ("" if not saved_cards else saved_cards[0]["id"])

    card_choice = ""
    if saved_cards:
        options = "".join(
            f'<div class="choice"><input type="radio" name="payment_method" id="pm-{escape(card["id"])}" '
            f'value="{escape(card["id"])}"{" checked" if chosen == card["id"] else ""}> '
            f'<label for="pm-{escape(card["id"])}">{escape(card["card"]["brand"].title())} ending in '
            f"{escape(card['card']['last4'])}, expires {card['card']['exp_month']:02d}/{card['card']['exp_year']}"
            "</label></div>"
            for card in saved_cards
        )
        options += (
            '<div class="choice"><input type="radio" name="payment_method" id="pm-new" value="new"'
            f'{" checked" if chosen == "new" else ""}> <label for="pm-new">A new card</label></div>'
        )
        card_choice = f"<fieldset><legend>Pay with</legend>{options}</fieldset>"

    email_field = ""
    if not session.get("customer") and not session.get("customer_email"):
        email_field = (
            '<div class="field"><label for="email">Email</label>'
            f'<input type="email" id="email" name="email" autocomplete="email" required '
            f'value="{escape(values.get("email", ""))}"></div>'
        )

    save_field = ""
    options = session.get("saved_payment_method_options") or {}
    if session.get("customer") and options.get("payment_method_save") == "enabled":
        checked = " checked" if values.get("save_card") else ""
        save_field = (
            '<div class="field choice"><span><input type="checkbox" id="save_card" name="save_card" value="1"'
            f'{checked}> <label for="save_card">Save this card for future payments</label></span></div>'
        )
    elif session.get("customer") and (session.get("_payment_intent_data") or {}).get("setup_future_usage"):
        save_field = '<p class="help">This card will be saved to your account for future payments.</p>'

    invalid = ' aria-invalid="true"' if error else ""
    cancel = f'<a href="{escape(session["cancel_url"])}">Cancel and go back</a>' if session.get("cancel_url") else ""
    body = f"""<h1>Pay {escape(total)}</h1>
<table>
<caption class="help">Order summary</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col" class="amount">Amount</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot>{shipping_row}<tr><th scope="row" colspan="2">Total</th><td class="amount">{escape(total)}</td></tr></tfoot>
</table>
{error_html}
<form method="post" action="/pay/{escape(session["id"])}" novalidate>
{email_field}
{shipping_fields}
{card_choice}
<div class="field"><label for="card_number">Card number</label>
<input type="text" id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number"
 value="{escape(values.get("card_number", ""))}"{invalid} aria-describedby="{described_by}">
<p class="help" id="card-help">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
4000 0000 0000 9995 has insufficient funds.</p></div>
<div class="row">
<div class="field"><label for="card_expiry">Expiry (MM / YY)</label>
<input type="text" id="card_expiry" name="card_expiry" autocomplete="cc-exp" value="{escape(values.get("card_expiry", "12 / 34"))}"></div>
<div class="field"><label for="card_cvc">Security code</label>
<input type="text" id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" value="{escape(values.get("card_cvc", "123"))}"></div>
</div>
{save_field}
<div class="actions"><button type="submit">Pay {escape(total)}</button>{cancel}</div>
</form>"""  # noqa: E501
    return document(f"Pay {total}", body)


def _item_image(item: dict) -> str:
    images = ((item.get("price") or {}).get("product_data") or {}).get("images") or []
    return f'<img src="{escape(images[0])}" alt="">' if images else ""


def _estimate(rate: dict) -> str:
    estimate = rate.get("delivery_estimate") or {}
    low, high = (estimate.get("minimum") or {}).get("value"), (estimate.get("maximum") or {}).get("value")
    if not low or not high:
        return ""
    return f", {low} business days" if low == high else f", {low} to {high} business days"


def _shipping_parts(session: dict, shipping_rates: dict, values: dict) -> tuple[str, str]:
    """The summary's shipping row, and the address and rate fields, for a session that collects them."""
    row = ""
    cost = session.get("shipping_cost")
    if cost:
        name = (shipping_rates.get(cost["shipping_rate"]) or {}).get("display_name", "")
        amount = format_amount(cost["amount_total"], session["currency"])
        row = (
            f'<tr><th scope="row" colspan="2">Shipping ({escape(name)})</th>'
            f'<td class="amount">{escape(amount)}</td></tr>'
        )
    fields = ""
    collection = session.get("shipping_address_collection")
    if collection:
        chosen_country = values.get("shipping_country") or collection["allowed_countries"][0]
        countries = "".join(
            f'<option value="{escape(code)}"{" selected" if code == chosen_country else ""}>{escape(code)}</option>'
            for code in collection["allowed_countries"]
        )

        def text_field(name: str, label: str, autocomplete: str, required: bool = True) -> str:
            value = escape(values.get(f"shipping_{name}", ""))
            needed = " required" if required else ""
            return (
                f'<div class="field"><label for="shipping_{name}">{label}</label>'
                f'<input type="text" id="shipping_{name}" name="shipping_{name}" autocomplete="shipping {autocomplete}"'
                f'{needed} value="{value}"></div>'
            )

        fields += (
            "<fieldset><legend>Shipping address</legend>"
            + text_field("name", "Full name", "name")
            + text_field("line1", "Address line 1", "address-line1")
            + text_field("line2", "Address line 2 (optional)", "address-line2", required=False)
            + '<div class="row">'
            + text_field("city", "City", "address-level2")
            + text_field("postal_code", "Postal code", "postal-code")
            + "</div>"
            + text_field("state", "State or region (optional)", "address-level1", required=False)
            + '<div class="field"><label for="shipping_country">Country</label>'
            '<select id="shipping_country" name="shipping_country" autocomplete="shipping country">'
            f"{countries}</select></div>"
            "</fieldset>"
        )
    options = session.get("shipping_options") or []
    if options:
        chosen = values.get("shipping_rate") or (cost or {}).get("shipping_rate") or options[0]["shipping_rate"]
        choices = ""
        for option in options:
            rate = shipping_rates.get(option["shipping_rate"]) or {}
            rate_id = escape(option["shipping_rate"])
            amount = option["shipping_amount"]
            price = "Free" if amount == 0 else format_amount(amount, session["currency"])
            choices += (
                f'<div class="choice"><input type="radio" name="shipping_rate" id="rate-{rate_id}" value="{rate_id}"'
                f'{" checked" if option["shipping_rate"] == chosen else ""}> <label for="rate-{rate_id}">'
                f"{escape(rate.get('display_name', ''))}: {escape(price)}{escape(_estimate(rate))}</label></div>"
            )
        fields += f"<fieldset><legend>Shipping method</legend>{choices}</fieldset>"
    return row, fields


def render_closed_page(session: dict) -> str:
    if session["status"] == "complete":
        link = session.get("success_url_resolved") or ""
        body = "<h1>Payment complete</h1>\n<p>This checkout session has been paid. You can close this page.</p>"
        if link:
            body += f'\n<p><a href="{escape(link)}">Return to the shop</a></p>'
        return document("Payment complete", body)
    body = "<h1>This checkout session has expired</h1>\n<p>Start again from the shop to pay.</p>"
    if session.get("cancel_url"):
        body += f'\n<p><a href="{escape(session["cancel_url"])}">Return to the shop</a></p>'
    return document("Checkout expired", body)


def render_not_found_page(heading: str = "Checkout session not found") -> str:
    return document("Not found", f"<h1>{escape(heading)}</h1>\n<p>Check the link and try again.</p>")
