"""Whether a report may come in: the one admission check every way in shares.

The report endpoint and the Orphus form both reach it through
:func:`typodesk.ingest.store.store`, so a limit or a defence added here holds everywhere. It
takes no request object: the caller passes what it read from the request, and the report's own
fields as a plain mapping (``report``, see :func:`admit`).

The order is cheapest first, and nothing a refused report did costs a legitimate reader: the
blocklist, the honeypot, the minimum time and the proof-of-work's signature need no database; the
rate limits take one token per bucket (reader, then site, then the whole server); only a report
that passed them uses up its proof-of-work solution and is looked at for spam.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from typodesk.abuse import pow as proof
from typodesk.abuse import spam
from typodesk.abuse.policy import policy_for
from typodesk.ingest import ratelimit
from typodesk.ingest.client import host_of
from typodesk.sites.hosts import HostPatterns
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
        until: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.reason = reason
        self.headers = headers or {}
        # A rate limit: the Unix time at which the bucket holds a token again (buckets only
        # refill with time, so until then the same reader gets the same refusal).
        self.until = until


@dataclass(frozen=True)
class Admitted:
    """What admission learned about an accepted report."""

    client: str  # the reader's salted client hash
    spam: str = ""  # why the report looks like spam ("3 links in the comment"), "" when it does not


def _wait(key: str, burst: int, per_minute: int, reason: str, message: str) -> None:
    capacity, per_second = max(1, burst), max(1, per_minute) / 60
    wait = ratelimit.take(key, capacity=capacity, per_second=per_second)
    if wait:
        until = ratelimit.empty_until(key, capacity, per_second) or time.time() + wait
        raise _limited(reason, message, until)


CLIENT_LIMITED = "Too many reports from your connection. Please try again in {n}."


def _limited(reason: str, message: str, until: float) -> Refused:
    seconds = max(1, math.ceil(until - time.time()))  # as ratelimit.take counts them
    return Refused(
        429,
        message.format(n=f"{seconds} second" if seconds == 1 else f"{seconds} seconds"),
        None,
        reason=reason,
        headers={"Retry-After": str(seconds)},
        until=until,
    )


def still_limited(refused: Refused) -> Refused | None:
    """The refusal a reader over their own rate limit gets now, for as long as their bucket
    stays empty (then None): the report endpoint answers their next reports with it."""
    if refused.reason != "rate_client" or refused.until is None or refused.until <= time.time():
        return None
    return _limited(refused.reason, CLIENT_LIMITED, refused.until)


def bucket_keys(site: Site, client: str) -> tuple[str, str, str]:
    """The rate-limit buckets a report from ``client`` to ``site`` takes a token from, in order:
    the reader's, the site's and the server's."""
    return f"client:{client}", f"site:{site.pk}", "global"


def admit(
    site: Site,
    *,
    page_url: str,
    origin: str | None,
    client: str,
    report: Mapping[str, Any] | None = None,
    hosts: HostPatterns | None = None,
) -> Admitted:
    """Check a report for ``site`` about the page at ``page_url``; raises :class:`Refused`.

    The page, and the request's Origin when there is one, must be on the site's domains; the
    reader must not be blocked, nor send so many reports (the reader's, the site's and the
    server's rate limits); and the site's spam defences must pass (docs/abuse.md).

    ``report`` holds the report's fields as a plain mapping (all optional): ``quote`` (the
    selected text), ``suggestion``, ``comment``, ``title``; ``honeypot`` (the field the widget
    hides from people and leaves empty), ``elapsed`` (milliseconds from the dialog opening to
    sending; None when the client does not say) and ``pow`` (the ALTCHA payload). A report that
    looks like spam is admitted, with the reason in :attr:`Admitted.spam`: it goes to the spam
    folder, never away. ``hosts`` is the site's host matcher when the caller has it already
    (a cached site), else it is read from the site's domains.
    """
    hosts = hosts or site.host_patterns()
    page_host = host_of(page_url)
    if not hosts.matches(page_host):
        raise Refused(
            403,
            f"Pages on {page_host} are not part of this site: add the domain in the desk.",
            "url",
            reason="domain",
        )
    if origin is not None and not hosts.matches(host_of(origin)):
        raise Refused(403, "This page's origin is not one of the site's domains.", "origin", reason="origin")

    report = report or {}
    policy = policy_for(site)
    if client in policy.blocked_clients:
        raise Refused(
            403,
            "Reports from your connection are blocked on this site. "
            "If you think this is a mistake, write to the site's editors.",
            None,
            reason="blocked",
        )
    if report.get("honeypot"):
        raise Refused(
            400,
            "This report looks automated: it filled in a field that is hidden from people. "
            "If you are a person, switch off your form filler for this dialog and send the report again.",
            "website",
            reason="honeypot",
        )
    elapsed = report.get("elapsed")
    if isinstance(elapsed, int | float) and not isinstance(elapsed, bool):
        if elapsed < policy.min_seconds * 1000:
            raise Refused(
                400,
                f"The report was sent less than {policy.min_seconds:g} seconds after the dialog opened, "
                "which is how automated reports look. Please read it over and send it again.",
                "elapsed",
                reason="too_fast",
            )
    solution = None
    if policy.pow_required:
        payload = report.get("pow")
        if not payload:
            raise Refused(
                400,
                "This site asks for a proof-of-work with every report right now, and this one had none. "
                "Please report from the page itself, with the site's typodesk widget.",
                "pow",
                reason="pow",
            )
        try:
            solution = proof.check(site.public_key, payload)
        except proof.PowError as exc:
            raise Refused(400, str(exc), "pow", reason="pow") from None

    client_key, site_key, global_key = bucket_keys(site, client)
    _wait(
        client_key,
        policy.client_burst,
        policy.client_per_minute,
        "rate_client",
        CLIENT_LIMITED,
    )
    _wait(
        site_key,
        policy.site_burst,
        policy.site_per_minute,
        "rate_site",
        "This site is receiving too many reports right now. Please try again in {n}.",
    )
    _wait(
        global_key,
        settings.TYPODESK_GLOBAL_RATE_BURST,
        settings.TYPODESK_GLOBAL_RATE_PER_MINUTE,
        "rate_global",
        "The server is receiving too many reports right now. Please try again in {n}.",
    )
    if solution is not None:
        try:
            proof.use(*solution)
        except proof.PowError as exc:
            raise Refused(400, str(exc), "pow", reason="pow") from None
    return Admitted(client=client, spam=spam.verdict(site, policy, report, page_url))
