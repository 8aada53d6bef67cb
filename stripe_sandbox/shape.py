"""Stripe's shape restored to what localstripe answers.

`latest_charge` is an id unless expanded, lists carry no `total_count`, and the PaymentIntent fields
localstripe refuses (kept in the sandbox's state) are shown on the PaymentIntent and its charges.
"""

from .cards import card_fingerprint
from .state import Sandbox

# PaymentIntent parameters Stripe accepts and localstripe refuses: kept by the sandbox and shown on the object.
PAYMENT_INTENT_EXTRA_FIELDS = (
    "description",
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "automatic_payment_methods",
    "error_on_requires_action",
    "return_url",
    "shipping",
)


def present(sandbox: Sandbox, obj, expand: set[str], path: str = ""):
    """Restore Stripe's shape to what localstripe answered."""
    if isinstance(obj, list):
        return [present(sandbox, item, expand, path) for item in obj]
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("object")
    if kind == "list":
        obj = {**obj, "data": present(sandbox, obj.get("data", []), expand, path + "data.")}
        obj.pop("total_count", None)
        return obj
    result = {}
    for key, value in obj.items():
        result[key] = present(sandbox, value, expand, f"{path}{key}.") if isinstance(value, dict | list) else value
    if kind == "payment_intent":
        result.pop("charges", None)
        latest = result.get("latest_charge")
        if isinstance(latest, dict) and not any(p.startswith(path + "latest_charge") for p in expand):
            result["latest_charge"] = latest["id"]
        extras = sandbox.payment_intent_extras.get(result.get("id"), {})
        for name in PAYMENT_INTENT_EXTRA_FIELDS:
            result[name] = extras.get(name, result.get(name))
        if "last_payment_error" in extras:
            result["last_payment_error"] = extras["last_payment_error"]
    elif kind == "payment_method" and isinstance(result.get("card"), dict):
        card = result["card"]
        known = sandbox.card_fingerprints.get(result.get("id"))
        # A card made some other way (localstripe's own fixtures) is told apart by what is known of its number.
        fallback = f"{card.get('brand')}:{card.get('last4')}:{card.get('exp_month')}:{card.get('exp_year')}"
        result["card"] = {**card, "fingerprint": known or card.get("fingerprint") or card_fingerprint(fallback)}
    elif kind == "charge":
        extras = sandbox.payment_intent_extras.get(result.get("payment_intent"), {})
        for name in ("description", "receipt_email"):
            if result.get(name) is None and extras.get(name) is not None:
                result[name] = extras[name]
        # localstripe has no receipts; the sandbox serves its own (receipts.py).
        result["receipt_url"] = result.get("receipt_url") or receipt_url(sandbox, result)
    return result


def receipt_url(sandbox: Sandbox, charge: dict) -> str | None:
    """Where a paid charge's receipt is (receipts.py serves it; Stripe gives every successful charge one)."""
    if charge.get("status") != "succeeded" or not charge.get("id") or not sandbox.public_url:
        return None
    return f"{sandbox.public_url}/receipts/{charge['id']}"


async def fetch_payment_intent(sandbox: Sandbox, payment_intent_id: str, expand: set[str] = frozenset()) -> dict:
    """A PaymentIntent from localstripe in Stripe's shape; `expand` holds paths under `payment_intent.`."""
    inner = sorted(path.removeprefix("payment_intent.") for path in expand if path.startswith("payment_intent."))
    data = await sandbox.fetch(f"/v1/payment_intents/{payment_intent_id}", {"expand": inner} if inner else None)
    return present(sandbox, data, set(inner))
