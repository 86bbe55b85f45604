"""One page, one key: the URL normalisation that groups readers' reports."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "_ga"}


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, default port and fragment dropped, tracking parameters dropped.

    Two readers arriving from a newsletter (``?utm_source=…``) and from a search
    engine must land on the same page, or their reports of one mistake would be
    two findings. The path and the remaining query keep their case and order:
    they may be significant to the site.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]" if port in (None, DEFAULT_PORTS.get(scheme)) else f"[{host}]:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))
