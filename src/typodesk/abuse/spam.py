"""Content heuristics: is a report likely spam? Likely spam goes to the spam folder, never away.

Three signs, checked on what the reader wrote (the comment and the suggestion):

* a blocked word or phrase of the site (whole words, any case);
* more links than the site allows (``http://``, ``https://``, ``www.``, ``[url=``, ``href=``);
* the same text on several pages of the site within a short time (a reader correcting one
  mistake writes about one page; a spammer pastes one message everywhere). Only texts of
  :data:`MIN_REPEATED` characters or more count: "the" as the correction of "teh" may well
  be right on many pages.

:func:`verdict` returns why, as a short English phrase ("3 links in the comment"; the API gives it
as the history row's reason) that also carries each sign as data (:class:`Verdict`), from which
the desk says it in its own language (findings.history); or "" when nothing looks wrong.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from typodesk.abuse.models import TextSighting
from typodesk.abuse.policy import Policy, word_pattern
from typodesk.findings.urlnorm import normalize_url

MIN_REPEATED = 20
LINK = re.compile(r"https?://|\bwww\.|\[url[=\]]|\bhref\s*=", re.IGNORECASE)
FIELDS = (("comment", "comment"), ("suggestion", "suggestion"))


def _text(report: Mapping, name: str) -> str:
    value = report.get(name)
    return value if isinstance(value, str) else ""


class Verdict(str):
    """The English phrase, with each sign as data in ``reasons``: ``{"kind": "word" | "links" |
    "repeated", "field": "comment" | "suggestion", …}`` (the word, the count, the pages and
    minutes), stored with the history row so that the desk can say it in any language."""

    reasons: list[dict]

    def __new__(cls, reasons: list[tuple[str, dict]]) -> Verdict:
        v = super().__new__(cls, "; ".join(text for text, _data in reasons))
        v.reasons = [data for _text, data in reasons]
        return v


def verdict(site, policy: Policy, report: Mapping, page_url: str) -> str:
    """Why the report looks like spam (a :class:`Verdict`), or ""; records the texts it saw for
    the repetition sign."""
    texts = [(label, _text(report, name)) for name, label in FIELDS]
    texts = [(label, t) for label, t in texts if t]
    if not texts:
        return ""
    reasons: list[tuple[str, dict]] = []
    pattern = word_pattern(policy.words)
    if pattern is not None:
        for label, text in texts:
            m = pattern.search(text)
            if m:
                word = m.group(0)
                reasons.append(
                    (
                        f"the blocked word “{word}” in the {label}",
                        {"kind": "word", "field": label, "word": word},
                    )
                )
                break
    for label, text in texts:
        n = len(LINK.findall(text))
        if n > policy.max_links:
            phrase = f"{n} links in the {label}" if n != 1 else f"a link in the {label}"
            reasons.append((phrase, {"kind": "links", "field": label, "n": n}))
            break
    repeated = _repeated(site, texts, page_url)
    if repeated:
        reasons.append(repeated)
    return Verdict(reasons) if reasons else ""


def _digest(text: str) -> str | None:
    norm = " ".join(text.casefold().split())
    if len(norm) < MIN_REPEATED:
        return None
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _repeated(site, texts, page_url: str) -> tuple[str, dict] | None:
    page = now = window = None
    found = None
    for label, text in texts:
        digest = _digest(text)
        if digest is None:
            continue
        if page is None:  # most reports have no text this long: nothing to compute for them
            now = timezone.now()
            window = timedelta(minutes=settings.TYPODESK_SPAM_REPEAT_MINUTES)
            page = hashlib.sha256(normalize_url(page_url).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        _seen(site.pk, digest, page, now)
        pages = TextSighting.objects.filter(site_id=site.pk, digest=digest, created__gte=now - window).count()
        if pages >= settings.TYPODESK_SPAM_REPEAT_PAGES and not found:
            minutes = settings.TYPODESK_SPAM_REPEAT_MINUTES
            found = (
                f"the same {label} on {pages} pages within {minutes} minutes",
                {"kind": "repeated", "field": label, "pages": pages, "minutes": minutes},
            )
    return found


def _seen(site_id: int, digest: str, page: str, now) -> None:
    rows = TextSighting.objects.filter(site_id=site_id, digest=digest, page=page)
    if rows.update(created=now):
        return
    try:
        with transaction.atomic():
            TextSighting.objects.create(site_id=site_id, digest=digest, page=page, created=now)
    except IntegrityError:  # another process saw it at the same moment
        rows.update(created=now)


def purge(now=None) -> int:
    """Forget sightings older than the repetition window."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.TYPODESK_SPAM_REPEAT_MINUTES)
    deleted, _ = TextSighting.objects.filter(created__lt=cutoff).delete()
    return deleted
