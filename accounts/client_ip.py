"""The client's address for lockouts and rate limits, honouring DJANGO_TRUSTED_PROXIES.

Behind a proxy REMOTE_ADDR is the proxy; X-Forwarded-For is believed only when REMOTE_ADDR is a trusted proxy, and
then read from the right (what our own proxies appended) to the first address that is not a trusted proxy. A client
cannot forge its way past this: whatever it puts in the header sits left of what the proxies added.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in spec if entry.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.DJANGO_TRUSTED_PROXIES)))


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a malformed hop: fall back to the proxy rather than trust garbage
    return remote
