"""What every transport shares: the interface, and how a failure is described.

Transports are plain classes, one per kind of channel, like Healthchecks'
``hc/api/transports.py``: given a channel, ``send()`` delivers one message or
raises :class:`DeliveryError`. They know nothing about the outbox, leases or
retries; :mod:`typodesk.notify.delivery` does. The one decision a transport
must make is whether a failure is *temporary* (worth retrying: the server is
down, overloaded, timing out) or *permanent* (retrying cannot help: the address
does not exist, the receiver refuses the request).
"""

from __future__ import annotations

from dataclasses import dataclass

from typodesk.notify.content import Outgoing
from typodesk.notify.models import Channel


class DeliveryError(Exception):
    """A failed delivery. ``result`` is a short label for the log ("HTTP 503", "timeout")."""

    def __init__(
        self, error: str, *, permanent: bool = False, result: str = "", retry_after: float | None = None
    ):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.result = result or ("permanent failure" if permanent else "temporary failure")
        self.retry_after = retry_after


@dataclass
class Delivered:
    """A successful delivery. ``warning``: delivered, but something the owners should fix."""

    result: str = "delivered"
    warning: str = ""


class Transport:
    def __init__(self, channel: Channel):
        self.channel = channel

    def send(self, out: Outgoing) -> Delivered:
        raise NotImplementedError


def transport_for(channel: Channel) -> Transport:
    from typodesk.notify.apprise import AppriseTransport
    from typodesk.notify.email import EmailTransport
    from typodesk.notify.webhook import WebhookTransport

    classes: dict[str, type[Transport]] = {
        Channel.Kind.EMAIL: EmailTransport,
        Channel.Kind.APPRISE: AppriseTransport,
        Channel.Kind.WEBHOOK: WebhookTransport,
    }
    return classes[channel.kind](channel)
