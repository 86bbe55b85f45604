"""Webhook channels: a signed JSON POST per message, per the Standard Webhooks convention.

Headers ``webhook-id`` (the message's uid, the same on every retry, so the
receiver can drop a duplicate), ``webhook-timestamp`` (Unix seconds of this
attempt) and ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 over
``id.timestamp.body`` with the channel's secret). See docs/notifications.md
for the payload and a verification snippet.

Redirects are not followed blindly: 307 and 308 keep the method and body and
are followed up to three times; 301, 302 and 303 would turn the POST into a
GET that carries no event, so they are a permanent failure that tells the owner
to use the final URL. Every connection, redirects included, goes through the
private-address guard.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urljoin, urlsplit

import httpx

from typodesk import __version__
from typodesk.net import netguard
from typodesk.notify.content import Outgoing, webhook_payload
from typodesk.notify.transport import Delivered, DeliveryError, Transport

# httpx logs every request's full URL at INFO, and a webhook URL may hold a token.
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_REDIRECTS = 3
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_AFTER = 3600.0


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


class WebhookTransport(Transport):
    def send(self, out: Outgoing) -> Delivered:
        body = json.dumps(webhook_payload(out), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "user-agent": f"typodesk/{__version__} (webhook)",
            "webhook-id": out.uid,
            "webhook-timestamp": timestamp,
            "webhook-signature": sign(self.channel.secret, out.uid, timestamp, body),
        }
        url = self.channel.target
        with (
            netguard.guarded() as guard,
            httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client,
        ):
            for hop in range(MAX_REDIRECTS + 1):
                try:
                    with client.stream("POST", url, content=body, headers=headers) as response:
                        snippet = _read_some(response)
                except httpx.TimeoutException:
                    raise DeliveryError(
                        f"no answer from {_host(url)} within {TIMEOUT.read:g} s", result="timeout"
                    ) from None
                except httpx.HTTPError as exc:
                    if guard.get("blocked"):
                        raise DeliveryError(
                            f"{guard['blocked']} is a private, loopback or link-local address; the instance "
                            "admin must set TYPODESK_ALLOW_PRIVATE_TARGETS=true to allow it",
                            permanent=True,
                            result="private address refused",
                        ) from None
                    raise DeliveryError(
                        f"cannot reach {_host(url)}: {exc}", result="connection failed"
                    ) from None
                status = response.status_code
                if status in (307, 308) and "location" in response.headers:
                    if hop == MAX_REDIRECTS:
                        raise DeliveryError(
                            f"more than {MAX_REDIRECTS} redirects", permanent=True, result=f"HTTP {status}"
                        )
                    url = urljoin(url, response.headers["location"])
                    if urlsplit(url).scheme not in ("http", "https"):
                        raise DeliveryError(
                            "redirected to a non-HTTP URL", permanent=True, result=f"HTTP {status}"
                        )
                    continue
                break
        label = f"HTTP {status}"
        if 200 <= status < 300:
            return Delivered(result=label)
        detail = f"{label} {response.reason_phrase}".strip() + (f": {snippet}" if snippet else "")
        if status in (301, 302, 303):
            raise DeliveryError(
                f"{detail}; the URL redirects to {response.headers.get('location', '?')}: use the final URL",
                permanent=True,
                result=label,
            )
        if status in (408, 425, 429) or status >= 500:
            raise DeliveryError(detail, result=label, retry_after=_retry_after(response))
        raise DeliveryError(detail, permanent=True, result=label)


def _read_some(response: httpx.Response, limit: int = 300) -> str:
    """The start of the answer, for the delivery log; a huge answer is never read whole."""
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= limit:
            break
    return " ".join(data[:limit].decode("utf-8", "replace").split())


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rsplit("@", 1)[-1] or url
    except ValueError:
        return "the URL"
