"""The page reader's background jobs: reading due pages, and the spell checker's suggestions.

Both are ticks for :mod:`typodesk.worker` and coordinate through the database only, the way
:mod:`typodesk.notify.delivery` does, so any number of workers may run on SQLite or PostgreSQL:

**Claiming a page.** ``UPDATE pagecheck SET claimed_by=<token>, lease_until=now+lease,
due_at=now+lease WHERE id=? AND due_at <= now AND (lease_until IS NULL OR lease_until < now)``:
one row updated means this worker, and only it, reads the page until the lease ends. Moving
``due_at`` to the lease's end has two uses: a worker killed mid-reading leaves a page that simply
falls due again when its lease ends; and a request for a reading that arrives meanwhile (the desk
button, the CMS) moves ``due_at`` earlier, which the worker sees when it finishes (``due_at`` is
no longer the lease's end) and keeps, so the page is read once more instead of the request being
lost.

**Per-site concurrency.** Before talking to a site the worker takes one of its
``TYPODESK_FETCH_PER_SITE`` :class:`~typodesk.pages.models.FetchSlot` rows with the same kind of
conditional UPDATE; with none free, the page is released unread and stays due.

**Never crash.** A page whose reading fails (HTTP error, timeout, refused address, robots.txt)
changes no finding; the error is recorded on the page and it is retried with backoff. Anything
unexpected while processing one page is logged and treated the same way; the worker goes on.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from typodesk.findings.models import Finding
from typodesk.pages.models import FetchSlot, PageCheck
from typodesk.pages.recheck import Reading, check_page
from typodesk.pages.schedule import next_due, retry_due

if TYPE_CHECKING:
    from typodesk import spelling
    from typodesk.net.fetch import Fetched
    from typodesk.pages import extract as extraction

# The HTTP client (httpx), the HTML parser and the spelling dictionaries are imported when a page
# is read or a finding checked, not when the worker starts: an idle worker never loads them.

log = logging.getLogger("typodesk.pages")

#: Pages read per tick at most, and the time after which a tick stops taking more, so that the
#: worker's other jobs (notifications) never wait long behind a slow site.
READ_BATCH = 10
TICK_BUDGET = 5.0
SPELL_BATCH = 20
SPELL_LEASE = timedelta(minutes=5)
VOCABULARY_TTL = 60.0


def _lease() -> timedelta:
    # Room for robots.txt, the page and its redirects (each within the fetch deadline) and the work.
    return timedelta(seconds=max(120.0, 4 * float(settings.TYPODESK_FETCH_TIMEOUT)))


class Unusable(Exception):
    """The page was fetched but gives no text to judge by (e.g. built by JavaScript)."""


@dataclass
class PageReader:
    """One per worker thread: reads due pages and applies the verdicts."""

    worker_id: str = "pages"
    clock: Callable[[], datetime] = timezone.now
    stopping: Callable[[], bool] = lambda: False
    batch: int = READ_BATCH
    budget: float = TICK_BUDGET

    def tick(self) -> int:
        """Read up to ``batch`` due pages (fewer when the time budget runs out); returns how many."""
        started = time.monotonic()
        done = 0
        for pk in self.due_ids():
            if self.stopping() or (done and time.monotonic() - started > self.budget):
                break
            token = self.claim(pk)
            if token is None:
                continue
            if self.process(pk, token):
                done += 1
        return done

    def due_ids(self) -> list[int]:
        now = self.clock()
        return list(
            PageCheck.objects.filter(due_at__lte=now)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[: self.batch]
        )

    def claim(self, pk: int) -> str | None:
        """Take the page for one lease; returns the claim's token, None when someone else has it."""
        now = self.clock()
        token = f"{self.worker_id[:80]}#{secrets.token_hex(6)}"
        until = now + _lease()
        taken = (
            PageCheck.objects.filter(pk=pk, due_at__lte=now)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .update(claimed_by=token, claimed_at=now, lease_until=until, due_at=until)
        )
        return token if taken else None

    def process(self, pk: int, token: str) -> bool:
        """Read one claimed page and record the outcome; False when it was released unread."""
        check = (
            PageCheck.objects.select_related("page__site")
            .prefetch_related("page__site__domains")
            .filter(pk=pk, claimed_by=token)
            .first()
        )
        if check is None:
            return False
        site = check.page.site
        slot = take_slot(site.pk, token, self.clock())
        if slot is None:
            release_unread(check, token)
            return False
        from typodesk.net.fetch import FetchError
        from typodesk.pages import extract as extraction

        try:
            reading = self.read(check)
        except (FetchError, Unusable, extraction.ParseError) as exc:
            record_failure(check, token, str(exc), getattr(exc, "status", None), self.clock())
        except Exception:
            log.exception("reading page %s (%s) failed unexpectedly", check.page_id, check.page.url)
            record_failure(check, token, "internal error while reading the page", None, self.clock())
        else:
            try:
                record_success(check, token, reading, self.clock())
            except Exception:
                log.exception("applying the reading of page %s failed", check.page_id)
                record_failure(check, token, "internal error while checking the findings", None, self.clock())
        finally:
            release_slot(site.pk, slot, token)
        return True

    def read(self, check: PageCheck) -> _Result:
        """Fetch and extract; a 304 reuses the stored text of the last reading."""
        from typodesk.net.fetch import Fetcher
        from typodesk.pages import extract as extraction

        site = check.page.site
        root = site.root_selector or check.root or None
        url = check.page.url
        with Fetcher(site.allows_host, site_id=site.pk) as fetcher:
            fetched = fetcher.fetch(
                url,
                etag=check.etag if check.text else "",
                last_modified=check.last_modified if check.text else "",
            )
        if fetched.not_modified:
            return _Result(fetched, check.text, check.lang, None, lambda: _fetch_html(site, url))
        html = extraction.decode(fetched.body, fetched.charset)
        extracted = extraction.extract(html, root)
        if not extracted.text:
            raise Unusable("the page has no text under its root selector (is it built by JavaScript?)")
        return _Result(fetched, extracted.text, extracted.lang, html, None, extracted)


def _fetch_html(site, url: str) -> str | None:
    """The page's HTML, fetched unconditionally; None when that fails."""
    from typodesk.net.fetch import Fetcher, FetchError
    from typodesk.pages import extract as extraction

    try:
        with Fetcher(site.allows_host, site_id=site.pk) as fetcher:
            fetched = fetcher.fetch(url)
    except FetchError:
        return None
    return extraction.decode(fetched.body, fetched.charset)


@dataclass
class _Result:
    fetched: Fetched
    text: str
    lang: str
    html: str | None
    #: After a 304 there is no HTML; a verdict that needs the whole page fetches it again.
    refetch: Callable[[], str | None] | None
    extracted: extraction.Extracted | None = None
    _whole: str | None = field(default=None, init=False)

    def whole(self) -> str | None:
        """Canonical text of the whole body (for a second look before "removed"); None if unknown."""
        if self._whole is None:
            from typodesk.pages import extract as extraction

            if self.html is None and self.refetch is not None:
                self.html, self.refetch = self.refetch(), None
            if self.html is None:
                return None
            try:
                self._whole = extraction.whole_text(self.html, self.extracted)
            except extraction.ParseError:
                return None
        return self._whole


def record_success(check: PageCheck, token: str, result: _Result, now: datetime) -> None:
    """Store the reading, judge the findings, learn the words, set the next reading.

    No transaction around it all: a verdict may need one more request (the whole page after a
    304), and no network wait may happen while SQLite's write lock is held. Each finding moves
    in a transaction of its own, conditional on its state (see recheck.apply).
    """
    fetched = result.fetched
    reading = Reading(
        url=fetched.url,
        http_status=fetched.status,
        text=result.text,
        earlier=[t for t in (check.snapshot, check.text) if t],
        whole=result.whole,
        checked_at=now,
    )
    text_hash = hashlib.sha256(result.text.encode("utf-8", "surrogatepass")).hexdigest()
    mine = PageCheck.objects.filter(pk=check.pk, claimed_by=token)
    fields = {
        "fetched_url": fetched.url[:2048],
        "text": result.text,
        "text_hash": text_hash,
        "lang": result.lang[:35],
        "last_attempt_at": now,
        "last_success_at": now,
        "last_status": fetched.status,
        "last_error": "",
        "failures": 0,
    }
    if not fetched.not_modified:
        fields.update(etag=fetched.etag, last_modified=fetched.last_modified)
    if not check.snapshot:
        fields.update(snapshot=result.text, snapshot_at=now)
    if not mine.update(**fields):
        return  # the lease ran out and another worker has the page: its reading counts
    check_page(check.page_id, reading)
    if text_hash != check.text_hash or not check.words:
        from typodesk.pages.vocabulary import learn_page

        learn_page(check, result.text, result.lang or check.page.lang)
    finish(check, token, next_due(check.page_id, now), PageCheck.Reason.SCHEDULE)


def record_failure(check: PageCheck, token: str, error: str, status: int | None, now: datetime) -> None:
    """Nothing changes on the findings; the error is shown in the desk and the page retried later."""
    log.info("page %s not read: %s", check.page.url, error)
    failures = check.failures + 1
    PageCheck.objects.filter(pk=check.pk, claimed_by=token).update(
        last_attempt_at=now, last_status=status, last_error=error[:1000], failures=F("failures") + 1
    )
    finish(check, token, retry_due(failures, check.page_id, now), PageCheck.Reason.RETRY)


def finish(check: PageCheck, token: str, due: datetime | None, reason: str) -> None:
    """Set the next reading unless one was requested meanwhile, and give the lease back."""
    mine = PageCheck.objects.filter(pk=check.pk, claimed_by=token)
    # due_at still at the lease's end: nobody asked for a reading while we read.
    mine.filter(due_at__gte=F("lease_until")).update(due_at=due, reason=reason)
    mine.update(claimed_by="", claimed_at=None, lease_until=None)


def release_unread(check: PageCheck, token: str) -> None:
    """The site has no free slot: give the page back, due again from when it was claimed."""
    mine = PageCheck.objects.filter(pk=check.pk, claimed_by=token)
    mine.filter(due_at__gte=F("lease_until")).update(due_at=F("claimed_at"))
    mine.update(claimed_by="", claimed_at=None, lease_until=None)


def take_slot(site_id: int, token: str, now: datetime) -> int | None:
    """One of the site's concurrent-request slots, or None when all are taken."""
    count = max(1, int(settings.TYPODESK_FETCH_PER_SITE))
    if FetchSlot.objects.filter(site_id=site_id, number__lt=count).count() < count:
        FetchSlot.objects.bulk_create(
            [FetchSlot(site_id=site_id, number=i) for i in range(count)], ignore_conflicts=True
        )
    for number in range(count):
        taken = (
            FetchSlot.objects.filter(site_id=site_id, number=number)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .update(claimed_by=token, lease_until=now + _lease())
        )
        if taken:
            return number
    return None


def release_slot(site_id: int, number: int, token: str) -> None:
    FetchSlot.objects.filter(site_id=site_id, number=number, claimed_by=token).update(
        claimed_by="", lease_until=None
    )


# --- The spell checker ------------------------------------------------------------------


@dataclass
class SpellChecker:
    """Computes the spell checker's suggestion of new findings, in the worker, never in a request."""

    worker_id: str = "spelling"
    clock: Callable[[], datetime] = timezone.now
    stopping: Callable[[], bool] = lambda: False
    batch: int = SPELL_BATCH
    _vocabularies: dict[int, tuple[float, spelling.Vocabulary]] = field(default_factory=dict)

    def tick(self) -> int:
        done = 0
        for pk in self.due_ids():
            if self.stopping():
                break
            if self.claim(pk):
                self.check(pk)
                done += 1
        return done

    def due_ids(self) -> list[int]:
        now = self.clock()
        return list(
            Finding.objects.filter(spell_status=Finding.Spelling.PENDING)
            .filter(Q(spell_checked_at=None) | Q(spell_checked_at__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[: self.batch]
        )

    def claim(self, pk: int) -> bool:
        now = self.clock()
        return bool(
            Finding.objects.filter(pk=pk, spell_status=Finding.Spelling.PENDING)
            .filter(Q(spell_checked_at=None) | Q(spell_checked_at__lt=now))
            .update(spell_checked_at=now + SPELL_LEASE)
        )

    def check(self, pk: int) -> None:
        finding = Finding.objects.select_related("page").filter(pk=pk).first()
        if finding is None:
            return
        try:
            status, suggestion, reason = self.suggest(finding)
        except Exception:
            log.exception("spell checking finding %s failed", pk)
            status, suggestion, reason = Finding.Spelling.NONE, "", ""
        Finding.objects.filter(pk=pk, spell_status=Finding.Spelling.PENDING).update(
            spell_status=status,
            spell_suggestion=suggestion,
            spell_reason=reason[: Finding._meta.get_field("spell_reason").max_length],
            spell_checked_at=self.clock(),
        )

    def suggest(self, finding: Finding) -> tuple[str, str, str]:
        """``(status, suggestion, reason)``: a real-word fix read in context comes first.

        The in-context rules see the reader's prefix and suffix ("More [then] two thousand");
        any misspelled word left in their correction is then fixed too. Without a rule that
        fires, the quote's misspellings alone, with no reason. An empty suggestion with a
        reason means "delete the selection" (a repeated word).
        """
        from typodesk import spelling

        lang = language_of(finding)
        if not lang or not spelling.status(lang).available:
            return Finding.Spelling.OFF, "", ""
        vocabulary = self.vocabulary(finding.site_id)
        in_context = spelling.suggest_in_context(finding.exact, finding.prefix, finding.suffix, lang)
        if in_context:
            best = in_context[0]
            text = best.text
            if text.strip():
                text = spelling.suggest_for_quote(text, lang, vocabulary) or text
            return Finding.Spelling.SUGGESTED, text, best.reason
        found = spelling.suggest_for_quote(finding.exact, lang, vocabulary)
        if found and found != finding.exact:
            return Finding.Spelling.SUGGESTED, found, ""
        return Finding.Spelling.NONE, "", ""

    def vocabulary(self, site_id: int) -> spelling.Vocabulary:
        """The site's trusted words, reloaded from the database at most once a minute."""
        from typodesk.pages.vocabulary import site_vocabulary

        cached = self._vocabularies.get(site_id)
        if cached is None or cached[0] < time.monotonic():
            if len(self._vocabularies) > 100:
                self._vocabularies.clear()
            cached = (time.monotonic() + VOCABULARY_TTL, site_vocabulary(site_id))
            self._vocabularies[site_id] = cached
        return cached[1]


def language_of(finding: Finding) -> str:
    """The page's language as the widget reported it, else as the page's <html lang> says."""
    if finding.page.lang:
        return finding.page.lang
    check = PageCheck.objects.filter(page_id=finding.page_id).only("lang").first()
    return check.lang if check else ""
