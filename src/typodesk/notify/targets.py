"""Checking and masking channel targets (webhook and Apprise URLs).

These URLs often carry the credentials of the service they point at (a bot
token, a password, a signed path). Once saved they are never shown in full
again, only masked: an owner can recognise the target, nobody can copy the
secret out of the desk, a screenshot or a page cached by a proxy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from typodesk.notify import netguard

# Apprise plugins that act on the server machine itself (desktop notifications, the local
# syslog) rather than on a network service; an owner has no business there.
LOCAL_APPRISE_SCHEMES = {"syslog", "dbus", "kde", "qt", "glib", "gio", "gnome", "macosx", "windows"}
_TOKENISH = re.compile(r"[A-Za-z0-9_\-:.~=+]{8,}")


def mask_url(url: str) -> str:
    """``https://hooks.example/a1b2c3d4e5f6?token=xyz`` → ``https://hooks.example/a1b…?…``.

    Keeps what identifies the target (scheme, host, port, short path parts);
    hides passwords, user names, long path parts (usually tokens) and the query.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "****"
    if host and ":" in host:
        host = f"[{host}]"
    user = "****@" if parts.username or parts.password else ""
    segments = [_mask_segment(s) for s in parts.path.split("/")]
    masked = f"{parts.scheme}://{user}{host}{port}{'/'.join(segments)}"
    if parts.query:
        masked += "?…"
    return masked


def _mask_segment(segment: str) -> str:
    """Hide path parts that look like tokens: long, or with digits among letters ("hooks" stays)."""
    if _TOKENISH.fullmatch(segment) and (
        len(segment) >= 16 or (len(segment) >= 8 and any(c.isdigit() for c in segment))
    ):
        return segment[:3] + "…"
    return segment


def mask_apprise_url(url: str) -> str:
    """Apprise knows which part of each service's URL is the secret; ask it, else mask generically."""
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
        if plugin is not None:
            private = plugin.url(privacy=True)
            base = private.split("?", 1)[0]
            return base + ("?…" if "?" in url else "")
    except Exception:  # noqa: S110 - any failure falls back to the generic mask
        pass
    return mask_url(url)


def webhook_url_problem(url: str) -> str | None:
    """Why this URL cannot be a webhook target, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "this is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the URL must start with https:// (or http://) and name a host"
    problem = netguard.check_host(parts.hostname)
    return (
        f"{problem}; the instance admin can allow such targets with TYPODESK_ALLOW_PRIVATE_TARGETS"
        if problem
        else None
    )


def apprise_url_problem(url: str) -> str | None:
    """Why this Apprise URL cannot be used, or None."""
    import apprise

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        return "an Apprise URL starts with the service, like tgram://, slack://, ntfys:// or json://"
    if scheme in LOCAL_APPRISE_SCHEMES and not netguard.allowed_private():
        return f"{scheme}:// notifies the server machine itself, not a service; it is not allowed"
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return "Apprise does not understand this URL (see the Apprise wiki for your service's URL format)"
    host = getattr(plugin, "host", None)
    if isinstance(host, str) and _looks_like_host(host):
        problem = netguard.check_host(host)
        if problem:
            return f"{problem}; the instance admin can allow such targets with TYPODESK_ALLOW_PRIVATE_TARGETS"
    return None


def _looks_like_host(value: str) -> bool:
    """True for an IP address or ``localhost``: checked now without asking DNS about a token."""
    import ipaddress

    if value.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def scrub(text: str, url: str) -> str:
    """Remove the secret parts of ``url`` from an error message before it is stored and shown."""
    try:
        parts = urlsplit(url)
        secrets = [parts.password or "", parts.username or ""]
    except ValueError:
        return text
    secrets += [s for s in re.split(r"[/?&=#]", url.split("://", 1)[-1]) if len(s) >= 8]
    for secret in sorted(set(filter(None, secrets)), key=len, reverse=True):
        if secret not in (parts.hostname or ""):
            text = text.replace(secret, secret[:3] + "…")
    return text
