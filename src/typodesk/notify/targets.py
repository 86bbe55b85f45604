"""Checking and masking channel targets (webhook and Apprise URLs).

These URLs often carry the credentials of the service they point at (a bot
token, a password, a signed path). Once saved they are never shown in full
again, only masked: an owner can recognise the target, nobody can copy the
secret out of the desk, a screenshot or a page cached by a proxy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from typodesk.net import netguard

# The Apprise services typodesk sends to (docs/notifications.md lists them): each talks HTTP(S)
# through Python's sockets, where the private-address guard (netguard) sees every connection.
# Every other scheme is refused when a channel is saved and again when it is sent: Apprise also
# has plugins that act on the server machine itself (syslog, dbus, desktop notifications) or
# speak raw protocols to a host the owner names (rsyslog's UDP, MQTT, XMPP, Growl, SMTP).
# The value says whether the URL's host part is a server the owner chooses (a self-hosted ntfy,
# Matrix, Mattermost… checked when saved) or a token of a service with its own fixed host.
APPRISE_SCHEMES: dict[str, tuple[str, bool]] = {
    "tgram": ("Telegram", False),
    "slack": ("Slack", False),
    "discord": ("Discord", False),
    "workflow": ("Microsoft Teams (Power Automate workflows)", True),
    "workflows": ("Microsoft Teams (Power Automate workflows)", True),
    "gchat": ("Google Chat", False),
    "wxteams": ("Webex Teams", False),
    "webex": ("Webex Teams", False),
    "zulip": ("Zulip", True),  # an organisation name (on zulipchat.com) or a server of its own
    "pover": ("Pushover", False),
    "pbul": ("Pushbullet", False),
    "matrix": ("Matrix", True),
    "matrixs": ("Matrix", True),
    "ntfy": ("ntfy", True),
    "ntfys": ("ntfy", True),
    "mmost": ("Mattermost", True),
    "mmosts": ("Mattermost", True),
    "rocket": ("Rocket.Chat", True),
    "rockets": ("Rocket.Chat", True),
    "gotify": ("Gotify", True),
    "gotifys": ("Gotify", True),
    "signal": ("Signal (signal-cli REST API)", True),
    "signals": ("Signal (signal-cli REST API)", True),
    "json": ("JSON POST", True),
    "jsons": ("JSON POST", True),
    "form": ("form POST", True),
    "forms": ("form POST", True),
    "xml": ("XML POST", True),
    "xmls": ("XML POST", True),
}
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


def apprise_scheme(url: str) -> str:
    """The service part of an Apprise URL, lower-cased ("" when there is none)."""
    return url.split("://", 1)[0].strip().lower() if "://" in url else ""


def apprise_scheme_problem(url: str) -> str | None:
    """Why this Apprise URL's service is not one typodesk sends to, or None.

    Checked when a channel is saved and again before every send: a channel saved before a
    scheme left the list (or written to the database some other way) is never sent."""
    scheme = apprise_scheme(url)
    if not scheme:
        return "an Apprise URL starts with the service, like tgram://, slack://, ntfys:// or json://"
    if scheme not in APPRISE_SCHEMES:
        services: dict[str, str] = {}
        for known, (label, _own_host) in APPRISE_SCHEMES.items():
            services.setdefault(label, known)
        return f"Apprise's {scheme[:20]}:// is not a service typodesk sends to; it sends to " + ", ".join(
            f"{label} ({known}://)" for label, known in services.items()
        )
    return None


def apprise_url_problem(url: str) -> str | None:
    """Why this Apprise URL cannot be used, or None."""
    import apprise

    problem = apprise_scheme_problem(url)
    if problem:
        return problem
    if any(ch.isspace() for ch in url):
        return "an Apprise URL has no spaces: one channel sends to one service"
    scheme = apprise_scheme(url)
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return "Apprise does not understand this URL (see the Apprise wiki for your service's URL format)"
    _service, own_host = APPRISE_SCHEMES[scheme]
    host = getattr(plugin, "host", None)
    if own_host and isinstance(host, str) and host:
        problem = netguard.check_host(host)
        if problem:
            return f"{problem}; the instance admin can allow such targets with TYPODESK_ALLOW_PRIVATE_TARGETS"
    return None


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
