"""Who is sending: a salted, daily-rotated hash of the client address, never the address."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from typodesk.findings.urlnorm import remembered_if_short


def client_address(request) -> str:
    """The client's address; X-Forwarded-For is believed only from a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not settings.TYPODESK_TRUSTED_PROXIES or not _trusted(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Walk from the nearest hop back; the first address that is not one of our
    # proxies is the client. Anything further left could be forged by it.
    for addr in reversed(forwarded):
        if not _trusted(addr):
            return addr
    return forwarded[0] if forwarded else remote


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
    """HMAC of the address with a salt that changes every day: enough to rate-limit, useless to track."""
    day = timezone.now().date().isoformat()
    key = f"{settings.SECRET_KEY}:client:{day}".encode()
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()[:32]


@remembered_if_short
def host_of(url: str) -> str | None:
    """The host name of a URL or Origin header, or None when it has none or is malformed."""
    try:
        return urlsplit(url).hostname
    except ValueError:  # e.g. "http://[" from a hostile client
        return None
