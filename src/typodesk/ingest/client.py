"""Who is sending: a salted, daily-rotated hash of the client address, never the address."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone


def client_address(request) -> str:
    """The client's address of a Django request (see :func:`address_of`)."""
    return address_of(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR"))


def address_of(remote: str | None, forwarded: str | None) -> str:
    """The client's address from the connection's peer (``remote``) and the X-Forwarded-For
    header, which is believed only from a trusted proxy."""
    remote = remote or ""
    if not settings.TYPODESK_TRUSTED_PROXIES or not _trusted(remote):
        return remote
    hops = [a.strip() for a in (forwarded or "").split(",") if a.strip()]
    # Walk from the nearest hop back; the first address that is not one of our
    # proxies is the client. Anything further left could be forged by it.
    for addr in reversed(hops):
        if not _trusted(addr):
            return addr
    return hops[0] if hops else remote


def _trusted(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for net in settings.TYPODESK_TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_hash(request) -> str:
    """:func:`hash_address` of a Django request's client address."""
    return hash_address(client_address(request))


def hash_address(address: str) -> str:
    """HMAC of the address with a salt that changes every day: enough to rate-limit, useless to track."""
    day = timezone.now().date().isoformat()
    key = f"{settings.SECRET_KEY}:client:{day}".encode()
    return hmac.digest(key, address.encode(), hashlib.sha256).hex()[:32]


def host_of(url: str) -> str | None:
    """The host name of a URL or Origin header, or None when it has none or is malformed."""
    try:
        return urlsplit(url).hostname
    except ValueError:  # e.g. "http://[" from a hostile client
        return None
