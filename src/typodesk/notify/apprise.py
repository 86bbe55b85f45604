"""Chat and push channels through Apprise (Telegram, Slack, Matrix, Discord, Teams, ntfy, …).

Apprise reports only success or failure, and logs why. The log of the call is
captured so the owner sees the reason, with the URL's secrets scrubbed. A
failure is temporary unless the service answered with a 4xx other than 429
(the target does not exist or refuses us: retrying cannot help), the URL is not
one Apprise understands, its service is not one typodesk sends to
(``targets.APPRISE_SCHEMES``, checked again here whatever the form let through),
or the target is a private address.

Apprise's own retries and redirects are off: typodesk retries with its own
backoff (and records each attempt), and a redirect could lead anywhere.
"""

from __future__ import annotations

import logging
import re

from typodesk.net import netguard
from typodesk.notify.content import Outgoing, render_chat
from typodesk.notify.targets import apprise_scheme, apprise_scheme_problem, scrub
from typodesk.notify.transport import Delivered, DeliveryError, Transport

_STATUS = re.compile(r"error(?:=| code:? ?)(\d{3})")
_LOG_PREFIX = re.compile(r"^\S+ \S+ - [A-Z]+ - ")


def _asset():
    import apprise

    asset = apprise.AppriseAsset(async_mode=False)
    if hasattr(asset, "http_redirects"):
        asset.http_redirects = False
    return asset


def _protocols(plugin) -> set[str]:
    """The schemes an Apprise plugin answers to."""
    found: set[str] = set()
    for value in (getattr(plugin, "protocol", None), getattr(plugin, "secure_protocol", None)):
        if isinstance(value, str):
            found.add(value.lower())
        elif isinstance(value, (tuple, list)):
            found.update(v.lower() for v in value if isinstance(v, str))
    return found


class AppriseTransport(Transport):
    def send(self, out: Outgoing) -> Delivered:
        import apprise

        url = self.channel.target
        problem = apprise_scheme_problem(url)
        if problem:
            raise DeliveryError(problem, permanent=True, result="service not allowed")
        title, body = render_chat(out)
        asset = _asset()
        # One plugin, made from the whole URL: Apprise.add() would split a string at commas and
        # spaces into several URLs, and "json://…, rsyslog://…" would send to both.
        plugin = apprise.Apprise.instantiate(url, asset=asset)
        if plugin is None or apprise_scheme(url) not in _protocols(plugin):
            raise DeliveryError("Apprise does not understand this URL", permanent=True, result="bad URL")
        notifier = apprise.Apprise(asset=asset)
        notifier.add(plugin)
        with netguard.guarded() as guard, apprise.LogCapture(level=logging.INFO) as log:
            ok = notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            text = log.getvalue()
        if ok:
            return Delivered()
        if guard.get("blocked"):
            raise DeliveryError(
                f"{guard['blocked']} is a private, loopback or link-local address; the instance admin "
                "must set TYPODESK_ALLOW_PRIVATE_TARGETS=true to allow it",
                permanent=True,
                result="private address refused",
            )
        lines = [
            _LOG_PREFIX.sub("", line)
            for line in text.splitlines()
            if " - WARNING - " in line or " - ERROR - " in line
        ]
        error = scrub("; ".join(lines) or "the service did not accept the notification", url)[:1000]
        match = _STATUS.search(text)
        status = int(match.group(1)) if match else 0
        if 400 <= status < 500 and status not in (408, 425, 429):
            raise DeliveryError(error, permanent=True, result=f"HTTP {status}")
        raise DeliveryError(error, result=f"HTTP {status}" if status else "failed")
