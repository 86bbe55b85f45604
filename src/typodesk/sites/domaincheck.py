"""Proof that a site's owner controls a domain they added in the desk or the API.

A domain an owner adds waits (matches nothing: no report, no CORS, no Orphus, no page reading)
until typodesk finds the domain's token on it, in either place:

* the file ``/.well-known/typodesk-verification.txt`` holding the token, or
* ``<meta name="typodesk-verification" content="TOKEN">`` in the home page's head,

on ``https://HOST/``, then ``http://HOST/`` (for ``*.news.example``: on ``news.example``). The pages
are read by the page reader's :class:`~typodesk.net.fetch.Fetcher`, with all its guards: private
addresses refused unless ``TYPODESK_ALLOW_PRIVATE_TARGETS``, robots.txt obeyed, size and time
bounded, redirects followed only within the domain. The whole check takes at most
``TYPODESK_DOMAIN_CHECK_TIMEOUT`` seconds, so that the desk's **Check now** can wait for it.

Without a proof, anyone could add a newsroom's domain to a site of their own and collect the
readers' reports (with their comments) sent to it through the old Orphus form.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser

from typodesk.net.fetch import HTML_TYPES, Fetcher, FetchError, Limits
from typodesk.sites.hosts import HostPatterns
from typodesk.sites.models import Domain, conflicting_domain

FILE_PATH = "/.well-known/typodesk-verification.txt"
META_NAME = "typodesk-verification"
FILE_TYPES = ("text/plain",)
HEAD_MAX = 1024 * 1024  # the meta tag is looked for in the head, and in at most this much of the page
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Instructions:
    """How an owner proves control of a domain (shown in the desk, given by the API)."""

    home_url: str  # where the meta tag goes
    file_url: str  # where the file goes
    file_content: str
    meta_tag: str


@dataclass(frozen=True)
class Outcome:
    verified: bool
    found: str  # what the check found, for the owner


def origins(base: str) -> list[str]:
    """Where the proof is looked for: https first, then http (standard ports, or
    ``TYPODESK_DOMAIN_CHECK_PORT`` for sites served on another port)."""
    port = settings.TYPODESK_DOMAIN_CHECK_PORT
    netloc = f"{base}:{port}" if port else base
    return [f"https://{netloc}", f"http://{netloc}"]


def instructions(domain: Domain) -> Instructions:
    origin = origins(domain.base)[0]
    return Instructions(
        home_url=origin + "/",
        file_url=origin + FILE_PATH,
        file_content=domain.token,
        meta_tag=f'<meta name="{META_NAME}" content="{domain.token}">',
    )


def check(domain: Domain, *, transport: httpx.BaseTransport | None = None) -> Outcome:
    """Look for the domain's token, record when and what was found, and verify the domain when the
    token is there and no other site has verified an overlapping domain in the meantime."""
    if domain.is_verified:
        return Outcome(True, domain.check_result or "verified")
    outcome = look(domain, transport=transport)
    now = timezone.now()
    with transaction.atomic():
        fresh = Domain.objects.select_for_update().select_related("site").filter(pk=domain.pk).first()
        if fresh is None:
            return outcome  # removed while we looked
        if outcome.verified:
            taken = conflicting_domain(fresh.site, fresh.host)
            if taken is not None:
                outcome = Outcome(
                    False, f"{outcome.found}, but {taken} is now a verified domain of another site here"
                )
        fresh.checked_at = now
        fresh.check_result = outcome.found[:500]
        fields = ["checked_at", "check_result"]
        if outcome.verified:
            fresh.verified_at = now
            fields.append("verified_at")
        fresh.save(update_fields=fields)  # the save tells the report endpoint's cache (sitecache)
    for name in ("checked_at", "check_result", "verified_at"):
        setattr(domain, name, getattr(fresh, name))
    return outcome


def look(domain: Domain, *, transport: httpx.BaseTransport | None = None) -> Outcome:
    """Read the file, then the home page, on each origin in turn; nothing is saved."""
    token = domain.token
    if not token:
        return Outcome(False, "this domain has no verification token; remove it and add it again")
    patterns = HostPatterns.of([domain.host], domain.site.www_alias)
    deadline = time.monotonic() + float(settings.TYPODESK_DOMAIN_CHECK_TIMEOUT)
    base = Limits.from_settings()
    found: list[str] = []
    for origin in origins(domain.base):
        for url, read in ((origin + FILE_PATH, _file_has), (origin + "/", _meta_has)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                found.append("no time left for more")
                return Outcome(False, "; ".join(found))
            limits = dataclasses.replace(base, timeout=min(base.timeout, remaining))
            with Fetcher(patterns.matches, limits, transport) as fetcher:
                try:
                    fetched = fetcher.fetch(url, types=FILE_TYPES if read is _file_has else HTML_TYPES)
                except FetchError as exc:
                    found.append(f"{url}: {exc}")
                    if exc.refused:
                        return Outcome(False, "; ".join(found))
                    if exc.status is None:
                        break  # no answer from this origin at all: the home page would fare no better
                    continue
            verdict = read(fetched.body, token)
            if verdict is None:
                return Outcome(True, f"the token is in {url}")
            found.append(f"{url}: {verdict}")
    return Outcome(False, "; ".join(found))


def _file_has(body: bytes, token: str) -> str | None:
    """None when the file holds the token, else what it holds instead."""
    words = body.decode("utf-8", errors="replace").split()
    if token in words:
        return None
    return "the file is empty" if not words else "the file does not hold this domain's token"


def _meta_has(body: bytes, token: str) -> str | None:
    """None when the page's head has the meta tag with the token, else what it has instead."""
    end = _HEAD_END.search(body, 0, HEAD_MAX)
    html = body[: end.end() if end else HEAD_MAX].decode("utf-8", errors="replace")
    tags = LexborHTMLParser(html).css(f'meta[name="{META_NAME}" i]')
    contents = [(tag.attributes.get("content") or "").strip() for tag in tags]
    if token in contents:
        return None
    if not contents:
        return f'no <meta name="{META_NAME}"> tag on the page'
    return f'the <meta name="{META_NAME}"> tag holds another token'
