"""Stripe's webhook signature: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`."""

import hashlib
import hmac
import time


def stripe_signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
