"""What a message says: localised text for people, JSON for machines.

Everything here is built from the snapshots stored in the outbox, never from
the live finding, so a message says what was true when the event happened and
a retry says exactly the same thing.

Readers' text is hostile. :func:`clean` strips control characters (CR and LF
included where one line is expected, so nothing a reader sent can become a
mail header), Unicode line separators and bidirectional overrides (which can
make a subject read differently from what it is). HTML is escaped by the
template engine; plain text is never run through a template that could
interpret it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from typodesk.notify.models import Channel, Event

# How many findings a message for people lists before saying "and N more".
MAX_LISTED = 10
MAX_LISTED_DIGEST = 50
SUBJECT_MAX = 180

_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"))
_SPACE = re.compile(r"[ \t\u2028\u2029]+")


def clean(value: object, one_line: bool = False, limit: int | None = None, strip: bool = True) -> str:
    """Reader text made safe to put in a mail or a chat message (see the module docstring)."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") else " " for ch in text)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    if one_line:
        text = _SPACE.sub(" ", text.replace("\n", " "))
        text = text.strip() if strip else text
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def http_url(url: object) -> str:
    """The URL when it is http(s), else "" (a reader's URL must never become a javascript: link)."""
    url = clean(url, one_line=True)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def _fragment_part(text: str) -> str:
    return quote(text, safe="").replace("-", "%2D")


def live_url(page_url: str, exact: str, prefix: str, suffix: str) -> str:
    """The live page with a text fragment (``#:~:text=``) that scrolls to and highlights the quote."""
    url = http_url(page_url)
    if not url or not exact.strip():
        return url
    words = exact.split()
    if len(exact) > 80 and len(words) > 8:
        target = f"{_fragment_part(' '.join(words[:4]))},{_fragment_part(' '.join(words[-4:]))}"
    else:
        target = _fragment_part(exact)
    pre = " ".join(prefix.split()[-3:])
    suf = " ".join(suffix.split()[:3])
    directive = (
        (f"{_fragment_part(pre)}-," if pre else "") + target + (f",-{_fragment_part(suf)}" if suf else "")
    )
    return url.split("#", 1)[0] + "#:~:text=" + directive


def desk_url(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


@dataclass
class Item:
    """One event as stored in the outbox."""

    event: str
    data: dict
    created: datetime


@dataclass
class Outgoing:
    """One message to send: the unit a transport works on."""

    uid: str
    channel: Channel
    items: list[Item]
    mode: str  # "immediate", "digest" or "test"
    created: datetime

    @property
    def site_name(self) -> str:
        return self.channel.site.name


@dataclass
class Entry:
    """One finding as a message for people shows it, with everything that happened to it."""

    finding_id: int
    title: str
    page_url: str
    live_url: str
    desk_url: str
    exact: str
    prefix: str
    suffix: str
    report_count: int
    events: list[str] = field(default_factory=list)
    new_reports: int = 0
    suggestions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    by: str = ""
    headline: str = ""


def entries(items: list[Item]) -> list[Entry]:
    """Group a message's events by finding, newest snapshot winning, in order of first appearance."""
    by_finding: dict[int, Entry] = {}
    for item in items:
        f = item.data.get("finding", {})
        page = item.data.get("page", {})
        fid = int(f.get("id", 0))
        entry = by_finding.get(fid)
        exact = clean(f.get("exact"), one_line=True, limit=300)
        prefix = clean(f.get("prefix"), one_line=True, strip=False)
        suffix = clean(f.get("suffix"), one_line=True, strip=False)
        if entry is None:
            entry = by_finding[fid] = Entry(
                finding_id=fid,
                title=clean(page.get("title"), one_line=True, limit=200),
                page_url=http_url(page.get("url")),
                live_url=live_url(page.get("url", ""), exact, prefix, suffix),
                desk_url=desk_url(reverse("desk:finding", args=[fid])) if fid else desk_url("/desk/"),
                exact=exact,
                prefix=prefix,
                suffix=suffix,
                report_count=int(f.get("report_count", 0)),
            )
        entry.report_count = max(entry.report_count, int(f.get("report_count", 0)))
        if item.event not in entry.events:
            entry.events.append(item.event)
        report = item.data.get("report") or {}
        if item.event in (Event.CREATED, Event.REPORTED, Event.REOPENED):
            entry.new_reports += 1
        suggestion = clean(report.get("suggestion"), one_line=True, limit=300)
        if suggestion and suggestion not in entry.suggestions and len(entry.suggestions) < 5:
            entry.suggestions.append(suggestion)
        comment = clean(report.get("comment"), limit=500).strip()
        if comment and comment not in entry.comments and len(entry.comments) < 3:
            entry.comments.append(comment)
        if item.data.get("by"):
            entry.by = clean(item.data["by"], one_line=True, limit=200)
    for entry in by_finding.values():
        entry.headline = headline(entry)
    return list(by_finding.values())


def headline(entry: Entry) -> str:
    """What happened to a finding, in the active language: the most important event wins."""
    ev = entry.events
    if Event.FIX_NOT_FOUND in ev:
        return _("Fix not found on the page: the mistake is still there")
    if Event.FIX_VERIFIED in ev:
        return _("Fix verified on the page")
    if Event.FIXED in ev:
        return _("Marked fixed by %(who)s") % {"who": entry.by} if entry.by else _("Marked fixed")
    if Event.REOPENED in ev:
        return _("Reported again after it was marked fixed")
    if Event.CREATED in ev:
        if entry.new_reports > 1:
            return ngettext("New finding, %(n)s report", "New finding, %(n)s reports", entry.new_reports) % {
                "n": entry.new_reports
            }
        return _("New finding")
    return ngettext("%(n)s more report", "%(n)s more reports", entry.new_reports) % {"n": entry.new_reports}


def summary(found: list[Entry]) -> str:
    """ "3 new findings, 2 reported again, 1 fixed": the subject of a grouped message."""
    counts = {"new": 0, "again": 0, "fixed": 0, "verified": 0, "not_found": 0}
    for e in found:
        if Event.FIX_NOT_FOUND in e.events:
            counts["not_found"] += 1
        elif Event.FIX_VERIFIED in e.events:
            counts["verified"] += 1
        elif Event.FIXED in e.events:
            counts["fixed"] += 1
        elif Event.CREATED in e.events:
            counts["new"] += 1
        else:
            counts["again"] += 1
    parts = []
    if counts["new"]:
        parts.append(
            ngettext("%(n)s new finding", "%(n)s new findings", counts["new"]) % {"n": counts["new"]}
        )
    if counts["again"]:
        parts.append(
            ngettext("%(n)s reported again", "%(n)s reported again", counts["again"]) % {"n": counts["again"]}
        )
    if counts["fixed"]:
        parts.append(ngettext("%(n)s fixed", "%(n)s fixed", counts["fixed"]) % {"n": counts["fixed"]})
    if counts["verified"]:
        parts.append(
            ngettext("%(n)s fix verified", "%(n)s fixes verified", counts["verified"])
            % {"n": counts["verified"]}
        )
    if counts["not_found"]:
        parts.append(
            ngettext("%(n)s fix not found", "%(n)s fixes not found", counts["not_found"])
            % {"n": counts["not_found"]}
        )
    return ", ".join(parts)


@dataclass
class Human:
    """A message for people, rendered in the channel's language."""

    subject: str
    text: str
    html: str


def render_human(out: Outgoing) -> Human:
    channel = out.channel
    with translation.override(channel.language or "en"):
        found = entries(out.items)
        limit = MAX_LISTED_DIGEST if out.mode == "digest" else MAX_LISTED
        listed = found[:limit]
        site = clean(out.site_name, one_line=True, limit=80)
        if out.mode == "test":
            subject = _("Test notification from typodesk")
        elif out.mode == "digest":
            subject = _("Daily digest: %(summary)s") % {"summary": summary(found)}
        elif len(found) == 1:
            subject = f"{found[0].headline}: “{clean(found[0].exact, one_line=True, limit=60)}”"
        else:
            subject = summary(found)
        subject = clean(f"[{site}] {subject}", one_line=True, limit=SUBJECT_MAX)
        context = {
            "site": site,
            "mode": out.mode,
            "entries": listed,
            "more": len(found) - len(listed),
            "inbox_url": desk_url(reverse("desk:inbox")) + f"?site={quote(channel.site.public_key)}",
            "channel_url": desk_url(reverse("notify:channel", args=[channel.site.public_key, channel.pk]))
            if channel.pk
            else "",
            "channel_name": clean(channel.name, one_line=True, limit=100),
            "subject": subject,
        }
        text = render_to_string("notify/email/message.txt", context)
        html = render_to_string("notify/email/message.html", context)
    return Human(subject=subject, text=_tidy_text(text), html=html)


def render_chat(out: Outgoing) -> tuple[str, str]:
    """Title and plain-text body for chat and push services (Apprise)."""
    channel = out.channel
    with translation.override(channel.language or "en"):
        found = entries(out.items)
        listed = found[:MAX_LISTED]
        site = clean(out.site_name, one_line=True, limit=80)
        if out.mode == "test":
            title = _("Test notification from typodesk")
        elif len(found) == 1:
            title = found[0].headline
        else:
            title = summary(found)
        context = {
            "site": site,
            "mode": out.mode,
            "entries": listed,
            "more": len(found) - len(listed),
            "inbox_url": desk_url(reverse("desk:inbox")) + f"?site={quote(channel.site.public_key)}",
            "channel_name": clean(channel.name, one_line=True, limit=100),
        }
        body = render_to_string("notify/chat.txt", context)
    return clean(f"[{site}] {title}", one_line=True, limit=250), _tidy_text(body)


def _tidy_text(text: str) -> str:
    """Template whitespace out: no trailing spaces, at most one empty line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"


def webhook_payload(out: Outgoing) -> dict:
    """The JSON body of a webhook: one event, or a ``batch`` of events when a burst was grouped."""
    site = {"key": out.channel.site.public_key, "name": out.channel.site.name}
    if out.mode == "test":
        return {
            "type": "test",
            "timestamp": _iso(out.created),
            "data": {"site": site, "channel": out.channel.name},
        }
    events = [_event_json(item) for item in out.items]
    if len(events) == 1:
        return events[0]
    return {"type": "batch", "timestamp": _iso(out.created), "data": {"site": site, "events": events}}


def _event_json(item: Item) -> dict:
    data = dict(item.data)
    finding = dict(data.get("finding", {}))
    if finding.get("id"):
        finding["desk_url"] = desk_url(reverse("desk:finding", args=[finding["id"]]))
    data["finding"] = finding
    return {"type": item.event, "timestamp": _iso(item.created), "data": data}


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
