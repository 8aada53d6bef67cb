"""Limits on sign-up and password-reset requests, per client address and per e-mail address.

Counters live in the cache (Redis in production, so every process shares them), in fixed windows.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


def _key(action: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"accounts:rate:{action}:{kind}:{digest}"


def _hit(key: str, limit: Limit) -> bool:
    """Count one request; True while the count is within the limit."""
    cache.add(key, 0, timeout=limit.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds)
        count = 1
    return count <= limit.requests


def request_allowed(*, action: str, ip: str, email: str) -> bool:
    """Counts this request against both limits of `action` ("sign_up", "password_reset"); False when either is
    spent. Both are counted whatever the outcome, so the answer says nothing about whether the address has an
    account."""
    limits = settings.ACCOUNTS_RATE_LIMITS[action]
    by_ip = _hit(_key(action, "ip", ip or "unknown"), Limit(*limits["ip"]))
    by_email = _hit(_key(action, "email", (email or "").strip().lower()), Limit(*limits["email"]))
    return by_ip and by_email
