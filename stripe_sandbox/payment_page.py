"""Paying a Checkout Session as a buyer does on the hosted payment page a session's `url` opens (`/pay/<id>`).

Its HTML is in payment_page_html.py; `POST /_sandbox/checkout/<id>/pay` (control.py) pays the same way.
"""

import base64
import hashlib
import time
from urllib.parse import urlsplit

from aiohttp import web

from .api import CardDeclinedError, StripeError
from .cards import GENERIC_DECLINE, CardDecline, card_fingerprint, card_problem, normalise_card_number
from .checkout_sessions import expire_if_due, get_session, session_view, shipping_cost
from .events import emit, emit_charge_succeeded
from .payment_page_html import STYLE, render_closed_page, render_not_found_page, render_payment_page
from .shape import PAYMENT_INTENT_EXTRA_FIELDS, fetch_payment_intent, present
from .state import Sandbox, sandbox_of


async def saved_cards(sandbox: Sandbox, session: dict) -> list[dict]:
    if not session["customer"]:
        return []
    status, data = await sandbox.call("GET", "/v1/payment_methods", {"customer": session["customer"], "type": "card"})
    return data.get("data", []) if status == 200 else []


async def ensure_payment_intent(sandbox: Sandbox, session: dict) -> str:
    if session["payment_intent"]:
        status, current = await sandbox.call("GET", f"/v1/payment_intents/{session['payment_intent']}")
        latest = current.get("latest_charge") if status == 200 else None
        if not (isinstance(latest, dict) and latest.get("status") == "failed"):
            if status == 200 and current.get("amount") != session["amount_total"]:
                # The buyer chose another shipping rate since the last attempt: the payment follows the total.
                await sandbox.call(
                    "POST", f"/v1/payment_intents/{session['payment_intent']}", {"amount": session["amount_total"]}
                )
            return session["payment_intent"]
        # localstripe cannot confirm a PaymentIntent again after a failed charge (Stripe can): the
        # buyer's retry gets a fresh one, and the failed one is canceled as Stripe would leave it unused.
        await sandbox.call("POST", f"/v1/payment_intents/{session['payment_intent']}/cancel")
        session["payment_intent"] = None
    data = session["_payment_intent_data"]
    params = {"amount": session["amount_total"], "currency": session["currency"], "metadata": data.get("metadata")}
    if session["customer"]:
        params["customer"] = session["customer"]
    status, created = await sandbox.call("POST", "/v1/payment_intents", params)
    if status != 200:
        raise StripeError(status, created.get("error", {}).get("message", "Could not create the payment."))
    extras = {name: data.get(name) for name in PAYMENT_INTENT_EXTRA_FIELDS if data.get(name)}
    if session["customer_email"] and "receipt_email" not in extras:
        extras["receipt_email"] = session["customer_email"]
    sandbox.payment_intent_extras[created["id"]] = extras
    session["payment_intent"] = created["id"]
    emit(sandbox, "payment_intent.created", present(sandbox, created, set()))
    return created["id"]


async def pay_session(
    sandbox: Sandbox,
    session_id: str,
    *,
    card_number: str = "",
    payment_method: str = "",
    save_card: bool = False,
    email: str = "",
    card_expiry: str = "",
    card_cvc: str = "",
    shipping_rate: str = "",
    shipping_address: dict | None = None,
) -> dict:
    session = get_session(sandbox, session_id)
    if session["status"] != "open":
        raise StripeError(400, f"This Checkout Session is {session['status']} and can no longer be paid.")
    shipping_details = choose_shipping(session, shipping_rate=shipping_rate, address=shipping_address)
    if not session["customer"] and not session["customer_email"] and email and "@" not in email:
        raise StripeError(400, "Your email address is invalid.", param="email")
    new_card = not payment_method or payment_method == "new"
    if new_card:
        number = normalise_card_number(card_number)
        problem = card_problem(number)
        exp_month, exp_year = parse_expiry(card_expiry)
        if problem is None and (exp_year, exp_month) < time.gmtime()[:2]:
            problem = CardDecline("invalid_expiry_year", None, "Your card's expiration year is in the past.")
        if problem is None and card_cvc and not (card_cvc.isdigit() and len(card_cvc) in (3, 4)):
            problem = CardDecline("incomplete_cvc", None, "Your card's security code is incomplete.")
        if problem is not None and problem.code in {"incorrect_number", "incomplete_number"} | {
            "invalid_expiry_year",
            "incomplete_cvc",
        }:
            # Stripe's page refuses these before any payment is attempted.
            raise CardDeclinedError(problem)
        payment_intent_id = await ensure_payment_intent(sandbox, session)
        if problem is not None:
            await record_decline(sandbox, payment_intent_id, problem)
        status, method = await sandbox.call(
            "POST",
            "/v1/payment_methods",
            {
                "type": "card",
                "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": "123"},
            },
        )
        if status != 200:
            raise StripeError(400, method.get("error", {}).get("message", "Invalid card."))
        payment_method = method["id"]
        sandbox.card_fingerprints[payment_method] = card_fingerprint(number)
        save = session["customer"] and (
            session["_payment_intent_data"].get("setup_future_usage")
            or (save_card and (session["saved_payment_method_options"] or {}).get("payment_method_save") == "enabled")
        )
        if save:
            status, _attached = await sandbox.call(
                "POST", f"/v1/payment_methods/{payment_method}/attach", {"customer": session["customer"]}
            )
            if status != 200:
                await record_decline(sandbox, payment_intent_id, GENERIC_DECLINE)
    else:
        cards = await saved_cards(sandbox, session)
        if payment_method not in {card["id"] for card in cards}:
            raise StripeError(400, f"No such saved card: '{payment_method}'", param="payment_method")
        payment_intent_id = await ensure_payment_intent(sandbox, session)

    status, updated = await sandbox.call(
        "POST", f"/v1/payment_intents/{payment_intent_id}", {"payment_method": payment_method}
    )
    if status != 200:
        raise StripeError(status, updated.get("error", {}).get("message", "Could not update the payment."))
    status, confirmed = await sandbox.call("POST", f"/v1/payment_intents/{payment_intent_id}/confirm")
    if status == 402:
        await record_decline(sandbox, payment_intent_id, GENERIC_DECLINE, charge_id=confirmed["error"].get("charge"))
    if status != 200:
        raise StripeError(status, confirmed.get("error", {}).get("message", "Could not confirm the payment."))
    sandbox.payment_intent_extras[payment_intent_id].pop("last_payment_error", None)
    payment_intent = present(sandbox, confirmed, set())
    await emit_charge_succeeded(sandbox, payment_intent)
    emit(sandbox, "payment_intent.succeeded", payment_intent)

    customer_email = session["customer_email"] or email or None
    if session["customer"]:
        customer = await sandbox.fetch(f"/v1/customers/{session['customer']}")
        customer_email = customer.get("email") or customer_email
    session.update(
        status="complete",
        payment_status="paid",
        url=None,
        customer_details={"address": None, "email": customer_email, "name": None, "phone": None},
    )
    if shipping_details is not None:
        session["collected_information"] = {"shipping_details": shipping_details}
    emit(sandbox, "checkout.session.completed", session_view(session))
    return session


async def record_decline(
    sandbox: Sandbox, payment_intent_id: str, decline: CardDecline, *, charge_id: str | None = None
):
    error = {
        "code": decline.code,
        "decline_code": decline.decline_code,
        "message": decline.message,
        "type": "card_error",
        "charge": charge_id,
    }
    sandbox.payment_intent_extras.setdefault(payment_intent_id, {})["last_payment_error"] = error
    payment_intent = await fetch_payment_intent(sandbox, payment_intent_id)
    payment_intent["status"] = "requires_payment_method"
    emit(sandbox, "payment_intent.payment_failed", payment_intent)
    raise CardDeclinedError(decline, payment_intent=payment_intent)


def parse_expiry(raw: str) -> tuple[int, int]:
    digits = "".join(character for character in raw or "" if character.isdigit())
    if len(digits) in (4, 6):
        month, year = int(digits[:2]), int(digits[2:])
        year = year + 2000 if year < 100 else year
        if 1 <= month <= 12:
            return month, year
    if raw:
        raise CardDeclinedError(CardDecline("invalid_expiry_month", None, "Your card's expiration date is invalid."))
    return 12, time.gmtime().tm_year + 5


ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")


def choose_shipping(session: dict, *, shipping_rate: str, address: dict | None) -> dict | None:
    """The buyer's rate and address, checked as Stripe's page checks them; the session's totals follow the rate.
    None for a session that collects no address."""
    options = session.get("shipping_options") or []
    if options:
        chosen = next((option for option in options if option["shipping_rate"] == shipping_rate), None)
        if shipping_rate and chosen is None:
            raise StripeError(400, f"No such shipping option: '{shipping_rate}'", param="shipping_rate")
        chosen = chosen or options[0]
        session["shipping_cost"] = shipping_cost(chosen)
        session["amount_total"] = session["amount_subtotal"] + chosen["shipping_amount"]
        session["total_details"] = {**session["total_details"], "amount_shipping": chosen["shipping_amount"]}
    collection = session.get("shipping_address_collection")
    if not collection:
        return None
    address = {key: str(value).strip() for key, value in (address or {}).items() if value is not None}
    missing = [name for name in ("name", "line1", "city", "postal_code", "country") if not address.get(name)]
    if missing:
        raise StripeError(400, "Enter your full shipping address: name, street, city, postal code and country.")
    country = address["country"].upper()
    if country not in collection["allowed_countries"]:
        raise StripeError(400, f"We cannot ship to {country}.", param="shipping_address[country]")
    return {
        "name": address["name"][:200],
        "address": {**{name: address.get(name) or None for name in ADDRESS_FIELDS}, "country": country},
    }


def success_redirect(session: dict) -> str:
    return (session.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


# Content-Security-Policy -------------------------------------------------------------------------------------
# The page's one stylesheet is inline (the sandbox serves no static files), allowed by its hash; it runs no script.
# After the form is paid the browser is redirected to the site, which Chrome checks against form-action too.
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"


def page_policy(session: dict | None) -> str:
    return_origins = []
    for url in ((session or {}).get("success_url"), (session or {}).get("cancel_url")):
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            return_origins.append(f"{parts.scheme}://{parts.netloc}")
    site_origins = list(dict.fromkeys(return_origins))
    form_action = " ".join(["'self'", *site_origins])
    # Line items' images are the shop's own (absolute URLs on the site the payer returns to), as on Stripe's page.
    img_src = " ".join(["'self'", "data:", *site_origins])
    return (
        f"default-src 'none'; style-src {STYLE_HASH}; img-src {img_src}; form-action {form_action}; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def html_response(text: str, *, session: dict | None = None, status: int = 200) -> web.Response:
    response = web.Response(text=text, status=status, content_type="text/html")
    response.headers["Content-Security-Policy"] = page_policy(session)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# Route --------------------------------------------------------------------------------------------------
async def payment_page(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    session = sandbox.sessions.get(request.match_info["id"])
    if session is None:
        return html_response(render_not_found_page(), status=404)
    expire_if_due(sandbox, session)
    if session["status"] != "open":
        view = {**session, "success_url_resolved": success_redirect(session)}
        return html_response(render_closed_page(view), session=session)
    if request.method == "GET":
        return html_response(
            render_payment_page(
                session,
                sandbox.session_line_items[session["id"]],
                await saved_cards(sandbox, session),
                shipping_rates=sandbox.shipping_rates,
            ),
            session=session,
        )
    form = await request.post()
    values = {name: str(form.get(name, "")) for name in ("card_number", "card_expiry", "card_cvc", "email")}
    values["payment_method"] = str(form.get("payment_method", ""))
    values["save_card"] = bool(form.get("save_card"))
    values["shipping_rate"] = str(form.get("shipping_rate", ""))
    address = {name: str(form.get(f"shipping_{name}", "")) for name in ("name", *ADDRESS_FIELDS)}
    values.update({f"shipping_{name}": value for name, value in address.items()})
    email_required = not session["customer"] and not session["customer_email"]
    try:
        if email_required and "@" not in values["email"]:
            raise StripeError(400, "Enter the email address for your receipt.")
        await pay_session(
            sandbox,
            session["id"],
            card_number=values["card_number"],
            payment_method=values["payment_method"],
            save_card=values["save_card"],
            email=values["email"],
            card_expiry=values["card_expiry"],
            card_cvc=values["card_cvc"],
            shipping_rate=values["shipping_rate"],
            shipping_address=address,
        )
    except StripeError as error:
        page = render_payment_page(
            session,
            sandbox.session_line_items[session["id"]],
            await saved_cards(sandbox, session),
            error=error.body["error"]["message"],
            values=values,
            shipping_rates=sandbox.shipping_rates,
        )
        return html_response(page, session=session, status=error.status)
    raise web.HTTPSeeOther(success_redirect(session) or f"/pay/{session['id']}")
