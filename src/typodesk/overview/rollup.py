"""Keeping the overview's counts (overview.models) up to date, incrementally, from three feeds.

The worker's ``overview`` job reads, in id order, what was added since its last look:

``reports``
    each new report adds one to its site's day and language (``ReportDay``);
``findings``
    each new finding counts as a new (open) mistake of its site, page and section;
``changes``
    each status change (``StatusChange``: editors, the page reader, readers reopening, the spam
    folder) moves one finding from its old status to its new one, and a change to *fixed* adds
    the time from the first report to the fix to its week (``FixTime``).

Every finding starts as *new*, and every later status is written with a ``StatusChange`` row
(findings.services, pages.recheck), so replaying the changes on top of the creations gives every
finding's current status. A feed remembers the highest id it has read (``Feed.high_water``) and
the lower ids it has not seen yet: on PostgreSQL a transaction can commit a row after a row with a
higher id, so an id skipped over is looked for again until ``GAP_PATIENCE`` has passed (then its
transaction rolled back). The counts and the feed's position change in one transaction, and the
position only moves from where this worker read it, so two workers never count a row twice.

:func:`rebuild` starts over from the tables as they are (one consistent snapshot): the first run
does it, and ``typodesk manage overview_rebuild`` after data arrived by other paths than
typodesk's own (bulk SQL, a restored dump).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from typodesk.findings.models import Finding, Page, Report, StatusChange
from typodesk.overview.models import Feed, FixTime, PageCount, ReportDay, SectionCount, StatusCount

log = logging.getLogger("typodesk.overview")

BATCH = 20_000
GAP_PATIENCE = 600.0  # seconds an unseen id is waited for
MAX_GAPS = 5_000
TAIL_GAPS = 1_000  # after a rebuild: ids this close below the newest are looked for again
CHECKED_EVERY = 30  # seconds: how stale "Counts as of" may be while the rollup is idle
IDLE_INTERVAL = 5.0  # seconds between looks when there was nothing new
# Seconds between looks while reports keep coming: each look is a write transaction, which
# reports being stored wait for on SQLite, and a worker that looked again at once counted a few
# rows per look and used a fifth of a core doing it under a flood (docs/performance.md).
BUSY_INTERVAL = 1.0
MISTAKES = (Finding.Status.NEW, Finding.Status.FIXED)
OPEN = Finding.Status.NEW
FEEDS = ("reports", "findings", "changes")
RATIO = 1.02


# Buckets, sections, languages ------------------------------------------------------------------


def bucket_of(seconds: float) -> int:
    """The ``FixTime`` bucket of a duration: round(log base 1.02 of the seconds), 0 under 1 s."""
    if seconds < 1:
        return 0
    return round(math.log(seconds) / math.log(RATIO))


def seconds_of(bucket: int) -> float:
    return RATIO**bucket if bucket > 0 else 0.0


def section_of(url: str) -> str:
    """The section of a page: the folders of its URL path before the page itself, at most two
    levels, leaving out numbers (dates, ids): "news" for /news/story and /news/2024/05/story,
    "news/sport" for /news/sport/story and /news/sport/2024/story; the one folder of a one-level
    path ("news" for /news/); "" for the home page.

    A sub-section is a section of its own, not part of its parent's count: the editors of
    /news/sport/ and of /news/ see their own pages (docs/overview.md)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return ""
    folders = [p for p in parts[:-1] if not p.isdigit()][:2]
    section = "/".join(folders) if folders else parts[0]
    return section[:200]


def lang_of(value: str) -> str:
    """The primary subtag, lower-case: "en-GB" → "en"; "" when unknown or not a language tag."""
    primary = (value or "").strip().split("-", 1)[0].split("_", 1)[0].lower()
    return primary if primary.isascii() and primary.isalpha() and 1 < len(primary) <= 8 else ""


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day(when: datetime) -> date:
    """The day ``when`` falls on in TYPODESK_TIME_ZONE (aware datetimes only)."""
    # Every zone's offset, and every change of it, is a whole number of quarter hours, so the
    # local day is the same all through a UTC quarter hour: one conversion serves the batch's
    # reports of that quarter (localtime() was most of the rollup's time under a flood).
    zone = timezone.get_default_timezone()
    stamp = when.timestamp()
    key = (zone, stamp - stamp % 900)
    day = _days.get(key)
    if day is None:
        if len(_days) >= 10_000:
            _days.clear()
        day = _days[key] = datetime.fromtimestamp(key[1], tz=zone).date()
    return day


_days: dict[tuple, date] = {}


# Adding to the counts ---------------------------------------------------------------------------


class Tally:
    """Deltas gathered from a batch of rows, written with one upsert per table."""

    def __init__(self):
        self.report_days: Counter = Counter()  # (site, day, lang)
        self.statuses: Counter = Counter()  # (site, status)
        self.pages: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # page -> [site, mistakes, open]
        self.sections: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (site, section)
        self.fixes: Counter = Counter()  # (site, week, bucket)

    def report(self, site_id: int, created: datetime, lang: str) -> None:
        self.report_days[(site_id, local_day(created), lang_of(lang))] += 1

    def finding(self, site_id: int, page_id: int, url: str, status: str = OPEN, n: int = 1) -> None:
        self.statuses[(site_id, status)] += n
        self._page(site_id, page_id, url, n * (status in MISTAKES), n * (status == OPEN))

    def change(
        self, site_id, page_id, url, old: str, new: str, when: datetime, first_report: datetime
    ) -> None:
        if old == new:
            return
        self.statuses[(site_id, old)] -= 1
        self.statuses[(site_id, new)] += 1
        mistakes = (new in MISTAKES) - (old in MISTAKES)
        opened = (new == OPEN) - (old == OPEN)
        if mistakes or opened:
            self._page(site_id, page_id, url, mistakes, opened)
        if new == Finding.Status.FIXED:
            self.fix(site_id, when, (when - first_report).total_seconds())

    def fix(self, site_id: int, when: datetime, seconds: float, n: int = 1) -> None:
        self.fixes[(site_id, week_of(local_day(when)), bucket_of(seconds))] += n

    def _page(self, site_id: int, page_id: int, url: str, mistakes: int, opened: int) -> None:
        p = self.pages[page_id]
        p[0], p[1], p[2] = site_id, p[1] + mistakes, p[2] + opened
        s = self.sections[(site_id, section_of(url))]
        s[0] += mistakes
        s[1] += opened

    def write(self) -> None:
        _upsert(
            ReportDay,
            ["site_id", "day", "lang"],
            ["reports"],
            [(*k, n) for k, n in self.report_days.items() if n],
        )
        _upsert(
            StatusCount, ["site_id", "status"], ["findings"], [(*k, n) for k, n in self.statuses.items() if n]
        )
        _upsert(
            PageCount,
            ["page_id"],
            ["mistakes", "open"],
            [(pk, m, o) for pk, (_s, m, o) in self.pages.items() if m or o],
            extra={"site_id": {pk: s for pk, (s, _m, _o) in self.pages.items()}},
        )
        _upsert(
            SectionCount,
            ["site_id", "section"],
            ["mistakes", "open"],
            [(*k, m, o) for k, (m, o) in self.sections.items() if m or o],
        )
        _upsert(
            FixTime, ["site_id", "week", "bucket"], ["fixes"], [(*k, n) for k, n in self.fixes.items() if n]
        )


def _upsert(model, keys: list[str], adds: list[str], rows: list[tuple], extra: dict | None = None) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET add = add + excluded.add (SQLite and PostgreSQL).

    ``extra``: further columns set on insert only, as {column: {first key value: value}}.
    """
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    extra = extra or {}
    columns = keys + list(extra) + adds
    mark = "%s"
    values = []
    for row in rows:
        k, a = row[: len(keys)], row[len(keys) :]
        values.append((*k, *(extra[c][row[0]] for c in extra), *a))
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in adds)
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 - names from the models
        f"VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, [_adapt(v) for v in values[start : start + 5000]])


def _adapt(row: tuple) -> tuple:
    return tuple(connection.ops.adapt_datefield_value(v) if isinstance(v, date) else v for v in row)


# Reading the feeds -------------------------------------------------------------------------------


def _report_rows(ids=None, after=None, limit=BATCH):
    qs = Report.objects.order_by("id")
    qs = qs.filter(id__in=ids) if ids is not None else qs.filter(id__gt=after)
    return [
        (r[0], lambda t, r=r: t.report(r[1], r[2], r[3]))
        for r in qs.values_list("id", "finding__site_id", "created", "lang")[: limit if ids is None else None]
    ]


def _finding_rows(ids=None, after=None, limit=BATCH):
    qs = Finding.objects.order_by("id")
    qs = qs.filter(id__in=ids) if ids is not None else qs.filter(id__gt=after)
    return [
        (r[0], lambda t, r=r: t.finding(r[1], r[2], r[3]))
        for r in qs.values_list("id", "site_id", "page_id", "page__url")[: limit if ids is None else None]
    ]


def _change_rows(ids=None, after=None, limit=BATCH):
    qs = StatusChange.objects.order_by("id")
    qs = qs.filter(id__in=ids) if ids is not None else qs.filter(id__gt=after)
    fields = ("id", "finding__site_id", "finding__page_id", "finding__page__url", "old_status", "new_status")
    fields += ("created", "finding__created")
    return [
        (r[0], lambda t, r=r: t.change(r[1], r[2], r[3], r[4], r[5], r[6], r[7]))
        for r in qs.values_list(*fields)[: limit if ids is None else None]
    ]


READERS: dict[str, Callable] = {"reports": _report_rows, "findings": _finding_rows, "changes": _change_rows}
MODELS = {"reports": Report, "findings": Finding, "changes": StatusChange}


def advance(name: str, batch: int = BATCH, now: float | None = None, feed: Feed | None = None) -> int:
    """Read one batch of the feed and add it to the counts; returns how many rows were counted.

    ``feed``: the feed's state as read before (tests play a second worker with it).
    """
    now = time.time() if now is None else now
    feed = feed or Feed.objects.filter(name=name).first()
    if feed is None:
        return 0  # not built yet: rebuild() first
    gaps = {int(i): float(t) for i, t in feed.gaps}
    rows = READERS[name](after=feed.high_water, limit=batch)
    found_gaps = READERS[name](ids=list(gaps)) if gaps else []
    if not rows and not found_gaps and not any(now - t > GAP_PATIENCE for t in gaps.values()):
        _checked(feed)
        return 0
    seen = {pk for pk, _f in rows}
    high = max(seen, default=feed.high_water)
    for pk in range(feed.high_water + 1, high):
        if pk not in seen:
            gaps[pk] = now
    for pk, _f in found_gaps:
        gaps.pop(pk, None)
    gaps = {pk: t for pk, t in gaps.items() if now - t <= GAP_PATIENCE}
    if len(gaps) > MAX_GAPS:
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    tally = Tally()
    for _pk, add in rows + found_gaps:
        add(tally)
    with transaction.atomic():
        # First, so that a second worker reading the same batch waits here, then finds the
        # position moved and counts nothing.
        moved = Feed.objects.filter(pk=feed.pk, version=feed.version).update(
            high_water=high,
            gaps=sorted([pk, t] for pk, t in gaps.items()),
            version=feed.version + 1,
            updated_at=timezone.now(),
        )
        if not moved:
            return 0
        tally.write()
    return len(rows) + len(found_gaps)


def _checked(feed: Feed) -> None:
    """The feed is read to its end: the counts are as of now. ``updated_at`` is what the overview
    shows as "Counts as of"; left at the last batch counted, it stood still for as long as nothing
    new came (and the least busy feed held it back for all three). Written at most every
    ``CHECKED_EVERY`` seconds, so that an idle worker is not a steady stream of writes."""
    now = timezone.now()
    if feed.updated_at is None or (now - feed.updated_at).total_seconds() >= CHECKED_EVERY:
        Feed.objects.filter(pk=feed.pk).filter(
            Q(updated_at=None) | Q(updated_at__lt=now - timedelta(seconds=CHECKED_EVERY))
        ).update(updated_at=now)


# Rebuilding from scratch -------------------------------------------------------------------------


def rebuild() -> dict[str, int]:
    """Count everything again from the findings, reports and status changes as they are now."""
    started = time.monotonic()
    # One snapshot for every count and every high-water mark (inside a caller's transaction, its).
    repeatable = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if repeatable:
            with connection.cursor() as c:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for model in (ReportDay, StatusCount, PageCount, SectionCount, FixTime):
            model.objects.all().delete()
        marks = {name: MODELS[name].objects.aggregate(m=Max("id"))["m"] or 0 for name in FEEDS}
        tally = Tally()
        day_counts = (
            Report.objects.filter(id__lte=marks["reports"])
            .values_list("finding__site_id", "created__date", "lang")
            .annotate(n=Count("id"))
            .order_by()
        )
        for site_id, day, lang, n in day_counts:
            tally.report_days[(site_id, day, lang_of(lang))] += n
        findings = Finding.objects.filter(id__lte=marks["findings"])
        for site_id, status, n in (
            findings.values_list("site_id", "status").annotate(n=Count("id")).order_by()
        ):
            tally.statuses[(site_id, status)] += n
        per_page = (
            findings.values_list("page_id")
            .annotate(m=Count("id", filter=Q(status__in=MISTAKES)), o=Count("id", filter=Q(status=OPEN)))
            .order_by()
        )
        page_counts = {pk: (m, o) for pk, m, o in per_page if m or o}
        for pk, site_id, url in Page.objects.values_list("id", "site_id", "url").iterator(10_000):
            if pk in page_counts:
                tally._page(site_id, pk, url, *page_counts[pk])
        fixed = findings.filter(status=Finding.Status.FIXED, status_changed__isnull=False)
        for site_id, created, changed in fixed.values_list("site_id", "created", "status_changed").iterator(
            10_000
        ):
            tally.fix(site_id, changed, (changed - created).total_seconds())
        tally.write()
        now = time.time()
        for name in FEEDS:
            high = marks[name]
            present = set(
                MODELS[name]
                .objects.filter(id__gt=max(0, high - TAIL_GAPS), id__lte=high)
                .values_list("id", flat=True)
            )
            gaps = [[pk, now] for pk in range(max(1, high - TAIL_GAPS + 1), high) if pk not in present]
            Feed.objects.update_or_create(
                name=name,
                defaults={
                    "high_water": high,
                    "gaps": gaps,
                    "built_at": timezone.now(),
                    "updated_at": timezone.now(),
                },
            )
    counts = {
        "report_days": ReportDay.objects.count(),
        "pages": PageCount.objects.count(),
        "sections": SectionCount.objects.count(),
        "fix_buckets": FixTime.objects.count(),
    }
    log.info("overview rollup rebuilt in %.1f s: %s", time.monotonic() - started, counts)
    return counts


# The worker job ----------------------------------------------------------------------------------


class Rollup:
    """A worker job: builds the counts the first time, then adds what is new, a batch per tick."""

    def __init__(
        self,
        batch: int = BATCH,
        idle_interval: float = IDLE_INTERVAL,
        clock=time.monotonic,
        busy_interval: float = BUSY_INTERVAL,
    ):
        self.batch = batch
        self.idle_interval = idle_interval
        self.busy_interval = busy_interval
        self.clock = clock
        self._next_look = 0.0

    def tick(self) -> int:
        if self.clock() < self._next_look:
            return 0
        if Feed.objects.filter(name__in=FEEDS).count() < len(FEEDS):
            try:
                rebuild()
            except (IntegrityError, OperationalError):
                # Two workers started on an empty rollup at once and the other one's build
                # committed first (its feeds collided with ours): nothing lost, ours rolled back.
                if Feed.objects.filter(name__in=FEEDS).count() < len(FEEDS):
                    raise
                log.info("overview rollup: another worker built it first")
            return 1
        counted = [advance(name, self.batch) for name in FEEDS]
        done = sum(counted)
        if not done:
            self._next_look = self.clock() + self.idle_interval
        elif max(counted) < self.batch:
            # Caught up: what arrives next is counted together, a second from now. A feed that
            # filled its batch has more waiting: the next look is at once.
            self._next_look = self.clock() + self.busy_interval
        return done


def catch_up(batch: int = BATCH) -> int:
    """Build if needed and read every feed to its end (tests, the benchmark, the CLI)."""
    job = Rollup(batch=batch, idle_interval=0, busy_interval=0)
    total = 0
    while True:
        done = job.tick()
        if not done:
            return total
        total += done
