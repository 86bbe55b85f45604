"""The inbox: findings of one site or of all the user's sites, filtered, searched and paged.

Order: most reports first, then most recently reported, then newest id: what many readers are
seeing right now comes first (docs/desk.md). Paging is by keyset ("after this row"), never by
offset, and every query is answered by an index of findings migration 0005 however many
findings there are:

- each (site, status) part is read by its own query on ``finding_desk_order`` (site, status,
  report count, last report, id), or ``finding_desk_lang`` under a language filter, or the
  partial ``finding_desk_suggested`` under "has suggestion"; the parts' pages are merged here;
- the full-text search reads the reports' search index (SQLite FTS5, PostgreSQL GIN) first;
- counts per status stop at ``COUNT_CAP`` ("10,000+"): a count never reads more index entries.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from typodesk.findings.models import Finding, Page
from typodesk.findings.urlnorm import normalize_url
from typodesk.sites.models import Site

PAGE_SIZE = 50
COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 250
# More (site, status) parts than this are read by one query over all of them (instance admins
# with very many sites): correct, but then the database sorts the matching rows.
MAX_PARTS = 40
MAX_SEARCH_WORDS = 8
STATUSES = {
    "open": (gettext_lazy("Open"), list(Finding.OPEN_STATUSES)),
    "fixed": (gettext_lazy("Fixed"), [Finding.Status.FIXED]),
    "rejected": (gettext_lazy("Not a mistake"), [Finding.Status.REJECTED]),
    "spam": (gettext_lazy("Spam"), [Finding.Status.SPAM]),
    "duplicate": (gettext_lazy("Duplicate"), [Finding.Status.DUPLICATE]),
    "all": (gettext_lazy("All"), list(Finding.Status.values)),
}
MAX_COUNT = 2**31 - 1  # the largest report count a PositiveIntegerField holds everywhere
MAX_ID = 2**63 - 1  # the largest BigAutoField id
CURSOR = re.compile(r"^(\d{1,10})\.(-?\d{1,19})\.(\d{1,19})$")
WORD = re.compile(r"\w+")
LANG = re.compile(r"[A-Za-z0-9-]{1,35}")  # a language tag as readers' browsers send it (en, pt-BR)


class FilterError(ValueError):
    """A filter value the inbox cannot use; the message tells the person what to type instead."""


@dataclass
class Filters:
    """What the inbox shows, parsed from the query string (``parse``)."""

    all_sites: list[Site]
    sites: list[Site]
    site_key: str = ""
    status: str = "open"
    page_url: str = ""
    page_ids: list[int] | None = None  # None: no page filter
    lang: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    suggested: bool = False
    q: str = ""
    words: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # A search's matches (id, status, report count, last report), read once per request and
    # shared by the page and the counts (``_search_matches``).
    matches: list[tuple] | None = field(default=None, repr=False)
    common_words: bool | None = field(default=None, repr=False)  # see reads_matches

    def params(self, **changes) -> dict[str, str]:
        """The query parameters of these filters (without paging), with ``changes`` applied."""
        values = {
            "site": self.site_key,
            "status": "" if self.status == "open" else self.status,
            "page": self.page_url,
            "lang": self.lang,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "suggested": "1" if self.suggested else "",
            "q": self.q,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    def query(self, **changes) -> str:
        """``?…`` for a link keeping these filters ("" when there are none)."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else "?"

    @property
    def statuses(self) -> list[str]:
        return STATUSES[self.status][1]

    @property
    def narrowed(self) -> bool:
        """Whether anything besides site and status narrows the list."""
        return bool(self.page_url or self.lang or self.since or self.until or self.suggested or self.q)


# Dates the desk can turn into a day's start and end in any time zone (the calendar's own ends,
# 0001-01-01 and 9999-12-31, overflow when shifted by a time zone or a day).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)


def _date(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            _("%(label)s must be a date like 2025-03-31, not “%(value)s”.")
            % {"label": label, "value": value[:40]}
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(
            _("%(label)s must be a date between %(first)s and %(last)s.")
            % {"label": label, "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return day


def parse(request, all_sites: list[Site]) -> Filters:
    """The filters of the request; unusable values are listed in ``errors`` (the view answers 400)."""
    get = request.GET
    f = Filters(all_sites=all_sites, sites=all_sites)
    key = get.get("site", "")
    if key:
        chosen = [s for s in all_sites if s.public_key == key]
        if chosen:
            f.sites, f.site_key = chosen, key
        else:
            # Not one of the user's sites (or no site at all): show nothing rather than guess.
            f.sites, f.site_key = [], key
            f.errors.append(_("That site is not one of yours; choose a site from the list."))
    status = get.get("status", "") or "open"
    if status in STATUSES:
        f.status = status
    else:
        f.errors.append(_("Unknown status; choose one of the tabs."))
    f.lang = get.get("lang", "").strip()[:35]
    if f.lang and not LANG.fullmatch(f.lang):
        f.errors.append(_("Unknown language; choose one from the list."))
        f.lang = ""
    f.suggested = get.get("suggested", "") in {"1", "on", "yes", "true"}
    try:
        f.since = _date(get.get("since", "").strip(), _("“From”"))
    except FilterError as e:
        f.errors.append(str(e))
    try:
        f.until = _date(get.get("until", "").strip(), _("“To”"))
    except FilterError as e:
        f.errors.append(str(e))
    if f.since and f.until and f.since > f.until:
        f.errors.append(_("The “From” date is after the “To” date."))
    f.page_url = get.get("page", "").strip()[:2048]
    if f.page_url:
        url = None
        try:  # urlsplit refuses some addresses outright ("https://[": an unclosed IPv6 host)
            parts = urlsplit(f.page_url)
            if parts.scheme in ("http", "https") and parts.hostname:
                url = normalize_url(f.page_url)
        except (ValueError, TypeError):
            url = None
        if not url:
            f.errors.append(_("The page must be a full address like https://news.example/story."))
        else:
            hashes = [Page.hash_url(url)]
            f.page_ids = list(
                Page.objects.filter(site__in=f.sites, url_hash__in=hashes).values_list("pk", flat=True)
            )
    f.q = " ".join(get.get("q", "").split())[:200]
    if f.q:
        f.words = WORD.findall(f.q)[:MAX_SEARCH_WORDS]
        if not f.words:
            f.errors.append(_("Type at least one letter or digit to search."))
    return f


# --- Cursors -------------------------------------------------------------------------------


def _micros(value: dt.datetime) -> int:
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def encode_cursor(f: Finding) -> str:
    """The row's sort key as a short, readable, URL-safe string: ``reports.microseconds.id``."""
    return f"{f.report_count}.{_micros(f.last_reported)}.{f.pk}"


def decode_cursor(value: str) -> tuple[int, dt.datetime, int]:
    m = CURSOR.match(value)
    if not m:
        raise FilterError(_("This page link is broken; go back to the first page of the inbox."))
    count, micros, pk = (int(g) for g in m.groups())
    if count > MAX_COUNT or pk > MAX_ID:  # past the columns' range: no row has such a key
        raise FilterError(_("This page link is broken; go back to the first page of the inbox."))
    try:
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
    except OverflowError:
        raise FilterError(_("This page link is broken; go back to the first page of the inbox.")) from None
    return count, when, pk


# --- Queries -------------------------------------------------------------------------------


@contextmanager
def _reading():
    """A cursor for the inbox's queries. PostgreSQL: without parallel workers, whose start costs
    more (tens of ms) than these index walks take; SET LOCAL ends with the transaction."""
    if connection.vendor != "postgresql":
        with connection.cursor() as c:
            yield c
        return
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield c


def _fts_match(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)  # \w+ holds no quote: nothing to escape


def _search_sql(words: list[str], walk: bool = False) -> tuple[str, list]:
    """``f.id IN (…)``: findings with a report whose quote, suggestion or comment has every word
    (as a word prefix). ``walk`` (SQLite, a common word): a check of each finding the ordered walk
    meets, against the matching report ids (read once from the search index)."""
    vendor = connection.vendor
    if vendor == "sqlite":
        match = _fts_match(words)
        if walk:
            # "+r.id": not the rowid lookup per match, but this finding's reports (its index).
            return (
                "EXISTS (SELECT 1 FROM findings_report r WHERE r.finding_id = f.id AND +r.id IN"
                " (SELECT rowid FROM findings_report_fts WHERE findings_report_fts MATCH %s))",
                [match],
            )
        return (
            "f.id IN (SELECT r.finding_id FROM findings_report_fts s"
            " JOIN findings_report r ON r.id = s.rowid WHERE findings_report_fts MATCH %s)",
            [match],
        )
    if vendor == "postgresql":
        # One vector per finding (findings migration 0006): a probe by id, or the GIN index.
        query = " & ".join(f"'{w}':*" for w in words)
        return (
            "f.id IN (SELECT s.finding_id FROM findings_finding_search s"
            " WHERE s.vector @@ to_tsquery('simple'::regconfig, %s))",
            [query],
        )
    # Any other database: correct, without an index.
    clauses, params = [], []
    for w in words:
        clauses.append("(r.exact LIKE %s OR r.suggestion LIKE %s OR r.comment LIKE %s)")
        params += [f"%{w}%"] * 3
    return (
        "f.id IN (SELECT r.finding_id FROM findings_report r WHERE " + " AND ".join(clauses) + ")",  # noqa: S608 (values are parameters)
        params,
    )


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the desk's time zone (dates in the desk are local dates)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _db_datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _where(filters: Filters, site_ids: list[int], statuses: list[str]) -> tuple[list[str], list]:
    """The conditions of the filters (all but paging) for the given sites and statuses."""
    where: list[str] = []
    params: list = []
    if len(site_ids) == 1:
        where.append("f.site_id = %s")
    else:
        where.append("f.site_id IN (" + ", ".join(["%s"] * len(site_ids)) + ")")
    params += site_ids
    if len(statuses) == 1:
        where.append("f.status = %s")
    elif set(statuses) == set(Finding.Status.values):
        statuses = []  # every status: no condition (a useless one only misleads the planner)
    else:
        where.append("f.status IN (" + ", ".join(["%s"] * len(statuses)) + ")")
    params += statuses
    if filters.lang:
        where.append("f.lang = %s")
        params.append(filters.lang)
    if filters.suggested:
        # Literally the condition of the partial index finding_desk_suggested (a parameter
        # would keep the planners from using it).
        where.append("f.has_suggestion")
    if filters.page_ids is not None:
        if not filters.page_ids:
            where.append("1 = 0")
        else:
            where.append("f.page_id IN (" + ", ".join(["%s"] * len(filters.page_ids)) + ")")
            params += filters.page_ids
    if filters.since:
        where.append("f.created >= %s")
        params.append(_db_datetime(_day_start(filters.since)))
    if filters.until:
        where.append("f.created < %s")
        params.append(_db_datetime(_day_start(filters.until + dt.timedelta(days=1))))
    if filters.words:
        sql, p = _search_sql(filters.words, walk=not reads_matches(filters))
        where.append(sql)
        params += p
    return where, params


def _parts(filters: Filters) -> list[tuple[list[int], list[str]]]:
    site_ids = [s.pk for s in filters.sites]
    statuses = filters.statuses
    if not site_ids:
        return []
    if len(site_ids) * len(statuses) > MAX_PARTS or reads_matches(filters) or filters.page_ids is not None:
        # Also when the matches come from the search index or a page: they are read first, once.
        return [(site_ids, statuses)]
    return [([s], [st]) for s in site_ids for st in statuses]


def _keys_sql(filters: Filters, site_ids, statuses, cursor, backwards: bool, limit: int) -> tuple[str, list]:
    """One part's query: the ids of up to ``limit`` findings after (or before) ``cursor``."""
    where, params = _where(filters, site_ids, statuses)
    if cursor is not None:
        count, when, pk = cursor
        # A row-value comparison: the index seeks straight to the cursor however deep it is.
        op = ">" if backwards else "<"
        where.append(f"(f.report_count, f.last_reported, f.id) {op} (%s, %s, %s)")
        params += [count, _db_datetime(when), pk]
    direction = "ASC" if backwards else "DESC"
    sql = (
        "SELECT f.id, f.report_count, f.last_reported FROM findings_finding f WHERE "  # noqa: S608 (values are parameters)
        + " AND ".join(where)
        + f" ORDER BY f.report_count {direction}, f.last_reported {direction}, f.id {direction} LIMIT %s"
    )
    return sql, [*params, limit]


def inbox_queries(
    filters: Filters, cursor=None, backwards=False, limit=PAGE_SIZE + 1
) -> list[tuple[str, list]]:
    """The SQL of a page (for the benchmark's EXPLAIN and for ``page``); a search runs
    ``search_query`` instead."""
    return [_keys_sql(filters, s, st, cursor, backwards, limit) for s, st in _parts(filters)]


@dataclass
class InboxPage:
    findings: list[Finding]
    next_cursor: str | None  # "after" of the next (older) page
    prev_cursor: str | None  # "before" of the previous page; "" for the first page


def page(filters: Filters, after: str = "", before: str = "", size: int | None = None) -> InboxPage:
    """One page of the inbox; ``after``/``before`` are cursors from an earlier page's links."""
    size = size or PAGE_SIZE
    backwards = bool(before) and not after
    cursor = decode_cursor(after or before) if (after or before) else None
    ids_keys: list[tuple] = []
    if reads_matches(filters):
        ids_keys = _search_page(filters, cursor, backwards, size + 1)
    else:
        with _reading() as c:
            for sql, params in inbox_queries(filters, cursor, backwards, size + 1):
                c.execute(sql, params)
                ids_keys += c.fetchall()
    by_id = {
        f.pk: f
        for f in Finding.objects.filter(pk__in=[row[0] for row in ids_keys]).select_related("page", "site")
    }
    rows = sorted(
        by_id.values(), key=lambda f: (f.report_count, f.last_reported, f.pk), reverse=not backwards
    )
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return InboxPage(
            rows, encode_cursor(rows[-1]) if rows else None, encode_cursor(rows[0]) if more else ""
        )
    nxt = encode_cursor(rows[-1]) if more else None
    prev = (encode_cursor(rows[0]) if rows else "") if cursor is not None else None
    return InboxPage(rows, nxt, prev)


# SQLite: a search whose words are in fewer reports than this reads its matches first; a more
# common one is checked finding by finding along the ordered walk (a page then costs about
# 50 / (share of findings that match) checks, not one per matching report).
SEARCH_WALK_FROM = 2_000


def reads_matches(filters: Filters) -> bool:
    """Whether a search reads all its matches first (SQLite, words in few reports) rather than
    being one more condition of the ordered walk (PostgreSQL: one vector per finding; SQLite:
    common words)."""
    if not filters.words or connection.vendor == "postgresql":
        return False
    if filters.common_words is None:
        if connection.vendor != "sqlite":
            filters.common_words = False
        else:
            with connection.cursor() as c:
                c.execute(
                    "SELECT COUNT(*) FROM (SELECT rowid FROM findings_report_fts"
                    " WHERE findings_report_fts MATCH %s LIMIT %s) t",
                    [_fts_match(filters.words), SEARCH_WALK_FROM],
                )
                filters.common_words = c.fetchone()[0] >= SEARCH_WALK_FROM
    return not filters.common_words


def _search_matches(filters: Filters) -> list[tuple]:
    """Every finding of the chosen sites the search finds, any status: (id, status, count, last).

    The search index answers first; its matches are then read once for the page and the counts
    (the order index cannot help: the matches are spread over all of it)."""
    if filters.matches is None:
        with _reading() as c:
            c.execute(*search_query(filters))
            filters.matches = c.fetchall()
    return filters.matches


def search_query(filters: Filters) -> tuple[str, list]:
    """The one query of a search (its matches in the chosen sites, any status)."""
    where, params = _where(filters, [s.pk for s in filters.sites], list(Finding.Status.values))
    return (
        "SELECT f.id, f.status, f.report_count, f.last_reported FROM findings_finding f WHERE "  # noqa: S608
        + " AND ".join(where),
        params,
    )


def _aware(value) -> dt.datetime:
    """A time as a raw cursor returned it (text or a naive UTC datetime on SQLite), made aware."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _search_page(filters: Filters, cursor, backwards: bool, limit: int) -> list[tuple]:
    statuses = set(filters.statuses)
    rows = [(m[2], _aware(m[3]), m[0]) for m in _search_matches(filters) if m[1] in statuses]
    if cursor is not None:
        rows = [r for r in rows if (r > cursor if backwards else r < cursor)]
    rows.sort(reverse=not backwards)
    return [(pk, count, last) for count, last, pk in rows[:limit]]


def iter_all(filters: Filters, batch: int = 500):
    """Every finding of the filtered list in inbox order, in batches (the export)."""
    after = ""
    while True:
        p = page(filters, after=after, size=batch)
        if p.findings:
            yield p.findings
        if not p.next_cursor:
            return
        after = p.next_cursor


def counts(filters: Filters) -> dict[str, tuple[int | None, bool]]:
    """Findings per status tab under the other filters: (count, capped at COUNT_CAP)."""
    site_ids = [s.pk for s in filters.sites]
    out: dict[str, tuple[int, bool]] = {}
    if not site_ids:
        return {key: (0, False) for key in STATUSES}
    per_status: dict[str, tuple[int, bool]] = {}
    if reads_matches(filters):
        found: dict[str, int] = {}
        for m in _search_matches(filters):
            found[m[1]] = found.get(m[1], 0) + 1
        return {
            key: (sum(found.get(st, 0) for st in statuses), False)
            for key, (_label, statuses) in STATUSES.items()
        }
    if filters.words:
        # PostgreSQL, and common words on SQLite: the matches of any status up to
        # SEARCH_COUNT_CAP, in one query; more than that, and the tabs show no number (None)
        # rather than counting them all.
        where, params = _where(filters, site_ids, list(Finding.Status.values))
        with _reading() as c:
            c.execute(
                "SELECT f.status FROM findings_finding f WHERE "  # noqa: S608 (parameters)
                + " AND ".join(where)
                + " LIMIT %s",
                [*params, SEARCH_COUNT_CAP + 1],
            )
            sample = [row[0] for row in c.fetchall()]
        if len(sample) > SEARCH_COUNT_CAP:
            return {key: (None, False) for key in STATUSES}
        return {
            key: (sum(1 for st in sample if st in statuses), False)
            for key, (_label, statuses) in STATUSES.items()
        }
    if filters.page_ids is not None:
        # The matches are few (the findings of one page): one grouped count.
        where, params = _where(filters, site_ids, list(Finding.Status.values))
        with _reading() as c:
            c.execute(
                "SELECT f.status, COUNT(*) FROM findings_finding f WHERE "  # noqa: S608 (parameters)
                + " AND ".join(where)
                + " GROUP BY f.status",
                params,
            )
            found = dict(c.fetchall())
        per_status = {st: (found.get(st, 0), False) for st in Finding.Status.values}
        return {
            key: (sum(per_status[st][0] for st in statuses), False)
            for key, (_label, statuses) in STATUSES.items()
        }
    # One capped count per status over all the chosen sites: at most COUNT_CAP + 1 index entries
    # each, however many sites.
    groups = [site_ids]
    with _reading() as c:
        for status in Finding.Status.values:
            total, capped = 0, False
            for group in groups:
                where, params = _where(filters, group, [status])
                c.execute(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM findings_finding f WHERE "  # noqa: S608 (values are parameters)
                    + " AND ".join(where)
                    + " LIMIT %s) t",
                    [*params, COUNT_CAP + 1],
                )
                n = c.fetchone()[0]
                capped = capped or n > COUNT_CAP
                total += min(n, COUNT_CAP)
            per_status[status] = (total, capped)
    for key, (_label, statuses) in STATUSES.items():
        out[key] = (sum(per_status[s][0] for s in statuses), any(per_status[s][1] for s in statuses))
    return out


def languages(sites: list[Site], limit: int = 60) -> list[str]:
    """The languages of the sites' findings, from the language index (a skip scan: one index
    seek per language, however many findings)."""
    found: set[str] = set()
    sql = (
        "WITH RECURSIVE l(lang) AS ("
        " SELECT MIN(lang) FROM findings_finding WHERE site_id = %s AND lang > ''"
        " UNION ALL"
        " SELECT (SELECT MIN(lang) FROM findings_finding WHERE site_id = %s AND lang > l.lang)"
        " FROM l WHERE l.lang IS NOT NULL)"
        " SELECT lang FROM l WHERE lang IS NOT NULL LIMIT %s"
    )
    with _reading() as c:
        for s in sites[:MAX_PARTS]:
            c.execute(sql, [s.pk, s.pk, limit])
            found.update(row[0] for row in c.fetchall())
    return sorted(found)[:limit]


# Readers' suggestions shown per finding are those of its latest reports: a finding reported
# tens of thousands of times costs no more than one reported this many times.
SUGGESTION_REPORTS = 50


def attach_suggestions(findings: list[Finding]) -> None:
    """``f.suggestions``: the distinct suggestions of the finding's latest reports, most frequent
    first (at most five). One query, each part read from the (finding, created) index."""
    from typodesk.desk.finding import is_the_quote

    counts: dict[int, dict[str, int]] = {f.pk: {} for f in findings}
    exact = {f.pk: f.exact for f in findings}
    if findings:
        part = (
            "SELECT * FROM (SELECT finding_id, suggestion FROM findings_report WHERE finding_id = %s"
            # finding_id in the order too: then the (finding, created) index gives the order
            # whatever the planner guesses of the finding's number of reports.
            " ORDER BY finding_id DESC, created DESC LIMIT %s) t"
        )
        sql = " UNION ALL ".join([part] * len(findings))
        params = [v for f in findings for v in (f.pk, SUGGESTION_REPORTS)]
        with _reading() as c:
            c.execute(sql, params)
            for fid, suggestion in c.fetchall():
                if suggestion and not is_the_quote(suggestion, exact[fid]):
                    counts[fid][suggestion] = counts[fid].get(suggestion, 0) + 1
    for f in findings:
        f.suggestions = sorted(counts[f.pk].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
