"""Whether a report may come in: the one admission check every way in shares.

The Django report API, the Orphus form endpoint and the lean ingestion path all call
:func:`admit`, so a limit or a defence added here holds everywhere. It takes no request
object (the lean path has none): the caller passes what it read from the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from typodesk.ingest import ratelimit
from typodesk.ingest.client import host_of
from typodesk.sites.models import Site


class Refused(Exception):
    """A report refused; ``status`` and ``message`` are what the reader's browser gets.

    ``reason`` is a short machine word (``rate_client``, ``origin``, …) for counting
    refusals; ``field`` names the part of the report at fault, ``headers`` go on the answer.
    """

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        reason: str,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.reason = reason
        self.headers = headers or {}


@dataclass(frozen=True)
class Admitted:
    """What admission learned about an accepted report."""

    client: str  # the reader's salted client hash


def admit(site: Site, *, page_url: str, origin: str | None, client: str) -> Admitted:
    """Check a report for ``site`` about the page at ``page_url``; raises :class:`Refused`.

    The page, and the request's Origin when there is one, must be on the site's domains,
    and one reader may send only so many reports.
    """
    page_host = host_of(page_url)
    if not site.allows_host(page_host):
        raise Refused(
            403,
            f"Pages on {page_host} are not part of this site: add the domain in the desk.",
            "url",
            reason="domain",
        )
    if origin is not None and not site.allows_host(host_of(origin)):
        raise Refused(403, "This page's origin is not one of the site's domains.", "origin", reason="origin")

    wait = ratelimit.take(
        f"client:{client}",
        capacity=settings.TYPODESK_RATE_BURST,
        per_second=settings.TYPODESK_RATE_PER_MINUTE / 60,
    )
    if wait:
        raise Refused(
            429,
            f"Too many reports from your connection. Please try again in {int(wait)} seconds.",
            None,
            reason="rate_client",
            headers={"Retry-After": str(int(wait))},
        )
    return Admitted(client=client)
