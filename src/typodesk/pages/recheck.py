"""Turning a reading of a page into verdicts on its findings, and the verdicts into state.

For each finding a reading can change (open, or marked fixed and not verified yet),
:func:`typodesk.anchoring.verify` says whether the reported quote is **present**, **changed**,
**removed** or **uncertain** (it still stands on the page, but the page changed too much around
it to tell whether it is the reported occurrence), and the finding moves:

=====================  ==========  ====================================================
finding                verdict     becomes
=====================  ==========  ====================================================
open                   present     unchanged (still open, nothing to say)
open                   changed     *fixed on page*: status fixed, replacement shown
open                   removed     *text gone*: status fixed, with a note
open                   uncertain   *page changed too much to tell*: stays open, a note
marked fixed           present     *still on the page*: reopened (status new)
marked fixed           changed     *fixed on page*: the editor's fix is confirmed
marked fixed           removed     *text gone*: the fix is confirmed, with a note
marked fixed           uncertain   *page changed too much to tell*: stays fixed, unconfirmed
=====================  ==========  ====================================================

"Uncertain" sends no notification (it would have to claim a fix or a mistake that nobody knows
of) and moves no status; an open finding stays on the schedule and a later reading that finds
the quote again (present) clears the state. The desk shows the page's text for the editors to
look for themselves.

"Removed" is believed only when typodesk itself once saw the quote in its reported context (in
the snapshot or the previous reading): if the server never saw the text the reader saw (text a
script adds in the browser, a personalised page), "not found" says nothing about a fix, and the
finding is left alone rather than closed.

"Text gone" closes as *fixed*, not *not a mistake*: the mistake is no longer shown to readers,
which is what *fixed* means to them, and a reader who reports the same words again (the text came
back) reopens a fixed finding, while a rejected one would swallow the report.

Every move is one transaction: the finding is updated only if it is still in the state the
verdict was computed for (an editor may click meanwhile), a ``StatusChange`` without user records
it with a note, and the notification (``finding.fix_verified`` or ``finding.fix_not_found``) is
queued in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from typodesk.findings.models import Finding, StatusChange
from typodesk.notify import editor as editor_mail
from typodesk.notify import outbox
from typodesk.notify import reader as reader_mail
from typodesk.pages.schedule import checkable

log = logging.getLogger("typodesk.pages")

#: Characters of page text shown on each side of the quote in the evidence.
EVIDENCE_CONTEXT = 80

V = Finding.Verification
S = Finding.Status


@dataclass
class Reading:
    """A successful reading of a page, as the verdicts need it."""

    url: str
    http_status: int
    text: str
    #: Texts the reader may have seen when reporting: the first reading, the previous one.
    earlier: list[str] = field(default_factory=list)
    #: Canonical text of the whole <body>, for a second look before "removed" (None: unknown).
    whole: Callable[[], str | None] = lambda: None
    checked_at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class Outcome:
    finding_id: int
    verdict: str
    #: The verification the finding moved to, or None when it did not move.
    moved_to: str | None


def selector_of(finding: Finding) -> dict:
    return {
        "exact": finding.exact,
        "prefix": finding.prefix,
        "suffix": finding.suffix,
        "start": finding.start,
        "end": finding.end,
    }


def old_text_for(finding: Finding, earlier: list[str]) -> str | None:
    """The earlier text that holds the quote in its reported context, if any.

    Only a text the reader demonstrably saw helps the engine; a snapshot from before an edit
    above the quote would mislead its tie-breaking, so it is given none rather than a wrong one.
    """
    from typodesk.text import normalize

    needle = normalize(finding.prefix + finding.exact + finding.suffix)
    for text in earlier:
        if text and needle in text:
            return text
    return None


def judge(finding: Finding, reading: Reading) -> tuple[dict, str]:
    """The engine's answer for one finding and the text it refers to."""
    # Imported here: a worker with no page to read never loads the anchoring engine.
    from typodesk.anchoring import verify
    from typodesk.text import normalize

    selector = selector_of(finding)
    old = old_text_for(finding, reading.earlier)
    result = verify(selector, reading.text, old)
    if result["verdict"] in ("removed", "uncertain"):
        whole = reading.whole()
        if whole and whole != reading.text:
            second = verify(selector, whole, old)
            if second["verdict"] in ("present", "changed"):
                return second, normalize(whole)
            if second["verdict"] == "uncertain":  # not found under the root, unsure in the body
                result = second
    return result, normalize(reading.text)


def check_page(page_id: int, reading: Reading) -> list[Outcome]:
    """Judge every checkable finding of the page and apply the verdicts."""
    outcomes = []
    for finding in Finding.objects.filter(checkable(page_id)).select_related("page", "site").order_by("pk"):
        try:
            result, text = judge(finding, reading)
        except ValueError as exc:  # a selector the engine cannot use (empty quote): skip it
            log.warning("finding %s cannot be verified: %s", finding.pk, exc)
            continue
        moved = apply(finding, result, text, reading)
        outcomes.append(Outcome(finding.pk, result["verdict"], moved))
    return outcomes


def apply(finding: Finding, result: dict, text: str, reading: Reading) -> str | None:
    """Move the finding according to the verdict; returns the new verification, or None."""
    verdict = result["verdict"]
    status, verification = finding.status, finding.verification
    if verdict in ("removed", "uncertain") and old_text_for(finding, reading.earlier) is None:
        return None  # never seen on the page as reported: no evidence that it went away
    if verdict == "uncertain" or (verdict == "present" and verification == V.UNCERTAIN):
        return _uncertain(finding, result, text, reading)
    replacement = result.get("replacement") or ""
    if status in Finding.OPEN_STATUSES:
        if verdict == "present":
            return None
        new_status = S.FIXED
        if verdict == "changed":
            new_verification = V.FIXED_ON_PAGE
            note = f"Fixed on the page: “{_short(finding.exact)}” now reads “{_short(replacement)}”."
            code = "fixed-replaced"
        else:
            new_verification = V.TEXT_GONE
            note = "The quoted text is no longer on the page; closed as fixed."
            code = "fixed-gone"
    elif status == S.FIXED and verification == V.NONE:
        if verdict == "present":
            new_status, new_verification = S.NEW, V.STILL_ON_PAGE
            note = "Still on the page after it was marked fixed; reopened."
            code = "reopened-still"
        elif verdict == "changed":
            new_status, new_verification = S.FIXED, V.FIXED_ON_PAGE
            note = f"Fix verified on the page: “{_short(finding.exact)}” now reads “{_short(replacement)}”."
            code = "verified-replaced"
        else:
            new_status, new_verification = S.FIXED, V.TEXT_GONE
            note = "Fix verified: the quoted text is no longer on the page."
            code = "verified-gone"
    else:
        return None
    now = reading.checked_at
    evidence = _evidence(finding, result, text, reading)
    changes = {
        "verification": new_verification,
        "verified_at": now,
        "replacement": replacement if verdict == "changed" else "",
        "evidence": evidence,
    }
    if new_status != status:
        changes.update(status=new_status, status_changed=now)
    with transaction.atomic():
        moved = Finding.objects.filter(pk=finding.pk, status=status, verification=verification).update(
            **changes
        )
        if not moved:
            return None  # an editor or a reader changed it meanwhile; the next reading decides
        params = {"exact": _short(finding.exact), "replacement": _short(replacement)}
        StatusChange.objects.create(
            finding=finding,
            user=None,
            old_status=status,
            new_status=new_status,
            note=note,
            code=code,
            params=params if code.endswith("-replaced") else {},
        )
        for name, value in changes.items():
            setattr(finding, name, value)
        # Not set_status (an editor's decision, which would undo this verdict and schedule another
        # reading), but the same reader mail: fixed on the page tells the readers; reopened takes
        # back a mail not sent yet.
        reader_mail.status_changed(finding, status, new_status, when=now)
        if new_verification == V.STILL_ON_PAGE:
            # Regressed: whoever said it was fixed hears that it is not (their e-mail, unless one
            # of the site's e-mail channels reaches them already).
            after = evidence.get("after") or {}
            around = (after.get("prefix", "")[-40:], after.get("text", ""), after.get("suffix", "")[:40])
            editor_mail.regressed(finding, now, "".join(around).strip(" …"))
        outbox.fix_checked(
            finding,
            verified=verdict != "present",
            details={
                "verdict": verdict,
                "verification": new_verification,
                "checked_url": reading.url,
                "http_status": reading.http_status,
                "replacement": changes["replacement"],
                "score": result.get("score"),
            },
            when=now,
        )
    return new_verification


def _uncertain(finding: Finding, result: dict, text: str, reading: Reading) -> str | None:
    """An "uncertain" verdict, or the quote found again after one: no status moves, no notification.

    The first "uncertain" sets the state and records a note in the history; later ones only
    refresh the evidence. A "present" after it clears the state (the finding is open, its
    mistake found where it was), so the desk no longer says the page could not be read for it.
    """
    status, verification = finding.status, finding.verification
    if result["verdict"] == "present":
        new_verification = V.NONE
        note = "Found on the page again after it had changed too much to tell; still open."
        code = "found-again"
    else:
        if status not in Finding.OPEN_STATUSES and not (status == S.FIXED and verification == V.NONE):
            return None
        new_verification = V.UNCERTAIN
        if status == S.FIXED:
            note = "The page changed too much to tell whether the fix is there; not confirmed."
            code = "uncertain-fix"
        else:
            note = "The page changed too much to tell whether the mistake is still there; left open."
            code = "uncertain-open"
    changes = {
        "verification": new_verification,
        "verified_at": reading.checked_at,
        "replacement": "",
        "evidence": _evidence(finding, result, text, reading),
    }
    with transaction.atomic():
        moved = Finding.objects.filter(pk=finding.pk, status=status, verification=verification).update(
            **changes
        )
        if not moved:
            return None
        if new_verification != verification:
            StatusChange.objects.create(
                finding=finding, user=None, old_status=status, new_status=status, note=note, code=code
            )
    for name, value in changes.items():
        setattr(finding, name, value)
    return new_verification if new_verification != verification else None


def _evidence(finding: Finding, result: dict, text: str, reading: Reading) -> dict:
    """The reader's context ("before") and the page's text now at the same place ("after")."""
    from typodesk.anchoring import verify

    before = {"prefix": finding.prefix, "text": finding.exact, "suffix": finding.suffix}
    old = old_text_for(finding, reading.earlier)
    if old:
        # The wider context of the page the reader saw, when we have it: the engine finds the
        # reported place in it (offsets of a re-normalised concatenation would be fragile).
        found = verify(selector_of(finding), old)
        if found["verdict"] == "present":
            before = _window(old, found["start"], found["end"])
    after = None
    if result["verdict"] in ("present", "changed") and result.get("start") is not None:
        after = _window(text, result["start"], result["end"])
    return {
        "verdict": result["verdict"],
        "score": result.get("score"),
        "url": reading.url,
        "http_status": reading.http_status,
        "checked_at": reading.checked_at.isoformat(),
        "before": before,
        "after": after,
    }


def _window(text: str, start: int, end: int) -> dict:
    lo = max(0, start - EVIDENCE_CONTEXT)
    hi = min(len(text), end + EVIDENCE_CONTEXT)
    return {
        "prefix": ("…" if lo > 0 else "") + text[lo:start],
        "text": text[start:end],
        "suffix": text[end:hi] + ("…" if hi < len(text) else ""),
    }


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
