"""Lists of findings, filtered (``findings.query``), searched, sorted and paged: the rows of the
desk's inbox and of ``GET /api/v1/findings``.

Paging is by keyset ("after this row"), never by offset. The sorts by reader count, by first
report and by last report are each answered by an index of findings (migrations 0005, 0012; the
``finding_inbox`` and ``finding_site_created`` indexes), however many findings there are:

- each (site, status) part is read by its own query walking the index in the sort's order
  (``finding_desk_order``, or ``finding_desk_lang`` under a language filter, or the partial
  ``finding_desk_suggested`` under "has suggestion", for the readers order); the parts' pages
  are merged here;
- the sort by page reads the matching findings with their page's title and lets the database
  sort them: its cost grows with the findings under the filters (bench/inbox_bench.py);
- the full-text search reads the reports' search index (SQLite FTS5, PostgreSQL GIN) first, and
  the titles of the sites' pages (``title_pages``);
- counts per status stop at ``COUNT_CAP`` ("10,000+"): a count never reads more index entries.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from typodesk.findings.models import Finding, Page
from typodesk.findings.query import (
    ORDERS,
    STATUSES,
    Filters,
    Order,
    _micros,
    decode_cursor,
    encode_cursor,
)
from typodesk.sites.models import Site

PAGE_SIZE = 50
COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 250
# More (site, status) parts than this are read by one query over all of them (instance admins
# with very many sites): correct, but then the database sorts the matching rows.
MAX_PARTS = 40
# SQLite: a search whose words are in fewer reports than this reads its matches first; a more
# common one is checked finding by finding along the ordered walk (a page then costs about
# 50 / (share of findings that match) checks, not one per matching report).
SEARCH_WALK_FROM = 2_000
# ... and so is a search whose words are in the titles of more pages than this (their findings
# are then too many to read first).
TITLE_PAGES_WALK_FROM = 200


@contextmanager
def reading():
    """A cursor for the list's queries. PostgreSQL: without parallel workers, whose start costs
    more (tens of ms) than these index walks take; SET LOCAL ends with the transaction."""
    if connection.vendor != "postgresql":
        with connection.cursor() as c:
            yield c
        return
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield c


# --- Search ----------------------------------------------------------------------------------


def _fts_match(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)  # \w+ holds no quote: nothing to escape


def _title_has(title: str, words: list[str]) -> bool:
    """Every word starts a word of the title, whatever the case: what the reports' search index
    does with a quote."""
    from typodesk.findings.query import WORD

    have = [w.casefold() for w in WORD.findall(title)]
    return all(any(h.startswith(w.casefold()) for h in have) for w in words)


def title_pages(filters: Filters) -> list[int]:
    """The chosen sites' pages whose title has every word of the search. Titles are few next to
    reports (one per page) and read here, so that the case of any alphabet is ignored alike on
    every database."""
    if filters.title_page_ids is None:
        found = []
        if filters.words and filters.sites:
            rows = Page.objects.filter(site__in=filters.sites).exclude(title="").values_list("pk", "title")
            found = [pk for pk, title in rows.iterator(chunk_size=2000) if _title_has(title, filters.words)]
        filters.title_page_ids = found
    return filters.title_page_ids


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
            if not filters.common_words:
                filters.common_words = len(title_pages(filters)) > TITLE_PAGES_WALK_FROM
    return not filters.common_words


# --- Conditions ------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the desk's time zone (dates in the desk are local dates)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _db(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _in(column: str, values: list) -> tuple[str, list]:
    if len(values) == 1:
        return f"{column} = %s", list(values)
    return f"{column} IN (" + ", ".join(["%s"] * len(values)) + ")", list(values)


def _where(filters: Filters, site_ids: list[int], statuses: list[str]) -> tuple[list[str], list]:
    """The conditions of the filters (all but paging) for the given sites and statuses."""
    sql, params = _in("f.site_id", site_ids)
    where: list[str] = [sql]
    if set(statuses) != set(Finding.Status.values):
        # (every status: no condition; a useless one only misleads the planner)
        sql, p = _in("f.status", statuses)
        where.append(sql)
        params += p
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
            sql, p = _in("f.page_id", filters.page_ids)
            where.append(sql)
            params += p
    if filters.since:
        where.append("f.created >= %s")
        params.append(_db(_day_start(filters.since)))
    if filters.until:
        where.append("f.created < %s")
        params.append(_db(_day_start(filters.until + dt.timedelta(days=1))))
    if filters.words:
        sql, p = _search_sql(filters.words, walk=not reads_matches(filters))
        titled = title_pages(filters)
        if titled:
            pages_sql, pages_p = _in("f.page_id", titled)
            sql, p = f"({sql} OR {pages_sql})", p + pages_p
        where.append(sql)
        params += p
    return where, params


def _after(order: Order, cursor: tuple, backwards: bool) -> tuple[str, list]:
    """Rows after ``cursor`` in ``order`` (before it, ``backwards``). Columns of one direction
    are compared as one row value, which the index seeks to however deep the cursor is."""
    groups: list[tuple[bool, list[str], list]] = []
    for col, value in zip(order.columns, cursor, strict=True):
        if groups and groups[-1][0] == col.desc:
            groups[-1][1].append(col.sql)
            groups[-1][2].append(_db(value))
        else:
            groups.append((col.desc, [col.sql], [_db(value)]))
    ors, params = [], []
    for i, (desc, cols, values) in enumerate(groups):
        ands, p = [], []
        for _desc, prev_cols, prev_values in groups[:i]:
            ands.append(f"({', '.join(prev_cols)}) = ({', '.join(['%s'] * len(prev_values))})")
            p += prev_values
        op = ">" if desc == backwards else "<"
        ands.append(f"({', '.join(cols)}) {op} ({', '.join(['%s'] * len(values))})")
        ors.append(" AND ".join(ands))
        params += p + values
    sql = ors[0] if len(ors) == 1 else "(" + " OR ".join(f"({o})" for o in ors) + ")"
    return sql, params


def _from(order: Order) -> str:
    joined = " JOIN findings_page p ON p.id = f.page_id" if order.by_page else ""
    return "findings_finding f" + joined


def _keys_sql(filters: Filters, site_ids, statuses, cursor, backwards: bool, limit: int) -> tuple[str, list]:
    """One part's query: up to ``limit`` rows (id, then the sort key) after (or before) ``cursor``."""
    order = filters.order
    where, params = _where(filters, site_ids, statuses)
    if cursor is not None:
        sql, p = _after(order, cursor, backwards)
        where.append(sql)
        params += p
    keys = ", ".join(c.sql for c in order.columns)
    by = ", ".join(f"{c.sql} {'DESC' if c.desc != backwards else 'ASC'}" for c in order.columns)
    sql = (
        f"SELECT f.id, {keys} FROM {_from(order)} WHERE "  # noqa: S608 (values are parameters)
        + " AND ".join(where)
        + f" ORDER BY {by} LIMIT %s"
    )
    return sql, [*params, limit]


def _parts(filters: Filters) -> list[tuple[list[int], list[str]]]:
    site_ids = [s.pk for s in filters.sites]
    statuses = filters.statuses
    if not site_ids:
        return []
    if (
        len(site_ids) * len(statuses) > MAX_PARTS
        or filters.order.by_page  # sorted by the database (its collation), once
        or reads_matches(filters)
        or filters.page_ids is not None
    ):
        # Also when the matches come from the search index or a page: they are read first, once.
        return [(site_ids, statuses)]
    return [([s], [st]) for s in site_ids for st in statuses]


def inbox_queries(
    filters: Filters, cursor=None, backwards=False, limit=PAGE_SIZE + 1
) -> list[tuple[str, list]]:
    """The SQL of a page (for the benchmarks' EXPLAIN and for ``page``); a search that reads
    its matches first runs ``search_query`` instead."""
    return [_keys_sql(filters, s, st, cursor, backwards, limit) for s, st in _parts(filters)]


def _aware(value) -> dt.datetime:
    """A time as a raw cursor returned it (text or a naive UTC datetime on SQLite), made aware."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _key(order: Order, values) -> tuple:
    """A sort key Python compares in the list's order (ascending): descending numbers negated."""
    out = []
    for col, v in zip(order.columns, values, strict=True):
        if col.kind == "time":
            v = _micros(_aware(v))
        out.append(-v if col.desc else v)
    return tuple(out)


def _typed(order: Order, values) -> tuple:
    return tuple(_aware(v) if c.kind == "time" else v for c, v in zip(order.columns, values, strict=True))


# --- Pages -----------------------------------------------------------------------------------


@dataclass
class InboxPage:
    findings: list[Finding]
    next_cursor: str | None  # "after" of the next page
    prev_cursor: str | None  # "before" of the previous page; "" for the first page


def page_name(filters: Filters):
    """What a page cursor's page id sorts by, for the pages of the chosen sites only."""

    def name(page_id: int) -> str | None:
        row = Page.objects.filter(pk=page_id, site__in=filters.sites).values_list("title", "url").first()
        return (row[0] or row[1]) if row else None

    return name


def page(filters: Filters, after: str = "", before: str = "", size: int | None = None) -> InboxPage:
    """One page of the list; ``after``/``before`` are cursors from an earlier page's links."""
    size = size or PAGE_SIZE
    order = filters.order
    backwards = bool(before) and not after
    cursor = decode_cursor(after or before, order, page_name(filters)) if (after or before) else None
    if reads_matches(filters):
        rows = _search_page(filters, cursor, backwards, size + 1)
    else:
        rows = []
        with reading() as c:
            queries = inbox_queries(filters, cursor, backwards, size + 1)
            for sql, params in queries:
                c.execute(sql, params)
                rows += c.fetchall()
        if len(queries) > 1:  # parts: merged here (none of their keys is text)
            rows.sort(key=lambda r: _key(order, r[1:]), reverse=backwards)
    more = len(rows) > size
    ids = [r[0] for r in rows[:size]]
    by_id = Finding.objects.select_related("page", "site").in_bulk(ids)
    found = [by_id[pk] for pk in ids if pk in by_id]
    if backwards:
        found.reverse()
        return InboxPage(
            found,
            encode_cursor(found[-1], order) if found else None,
            encode_cursor(found[0], order) if more else "",
        )
    nxt = encode_cursor(found[-1], order) if more and found else None
    prev = (encode_cursor(found[0], order) if found else "") if cursor is not None else None
    return InboxPage(found, nxt, prev)


def _search_matches(filters: Filters) -> list[tuple]:
    """Every finding of the chosen sites the search finds, any status: (id, status, sort key…).

    The search index answers first; its matches are then read once for the page and the counts
    (the order index cannot help: the matches are spread over all of it)."""
    if filters.matches is None:
        with reading() as c:
            c.execute(*search_query(filters))
            filters.matches = c.fetchall()
    return filters.matches


def search_query(filters: Filters) -> tuple[str, list]:
    """The one query of a search (its matches in the chosen sites, any status)."""
    order = filters.order
    where, params = _where(filters, [s.pk for s in filters.sites], list(Finding.Status.values))
    keys = ", ".join(c.sql for c in order.columns)
    return (
        f"SELECT f.id, f.status, {keys} FROM {_from(order)} WHERE "  # noqa: S608 (values are parameters)
        + " AND ".join(where),
        params,
    )


def _search_page(filters: Filters, cursor, backwards: bool, limit: int) -> list[tuple]:
    order = filters.order
    statuses = set(filters.statuses)
    rows = [
        (_key(order, m[2:]), m[0], *_typed(order, m[2:]))
        for m in _search_matches(filters)
        if m[1] in statuses
    ]
    if cursor is not None:
        at = _key(order, cursor)
        rows = [r for r in rows if (r[0] < at if backwards else r[0] > at)]
    rows.sort(key=lambda r: r[0], reverse=backwards)
    return [r[1:] for r in rows[:limit]]


def iter_all(filters: Filters, batch: int = 500):
    """Every finding of the filtered list in its order, in batches (the export)."""
    after = ""
    while True:
        p = page(filters, after=after, size=batch)
        if p.findings:
            yield p.findings
        if not p.next_cursor:
            return
        after = p.next_cursor


# --- Counts and languages ----------------------------------------------------------------------


def counts(filters: Filters) -> dict[str, tuple[int | None, bool]]:
    """Findings per status tab under the other filters: (count, capped at COUNT_CAP)."""
    site_ids = [s.pk for s in filters.sites]
    if not site_ids:
        return {key: (0, False) for key in STATUSES}

    def per_tab(found: dict[str, int]) -> dict[str, tuple[int, bool]]:
        return {key: (sum(found.get(st, 0) for st in sts), False) for key, (_label, sts) in STATUSES.items()}

    if reads_matches(filters):
        found: dict[str, int] = {}
        for m in _search_matches(filters):
            found[m[1]] = found.get(m[1], 0) + 1
        return per_tab(found)
    if filters.words:
        # PostgreSQL, and common words on SQLite: the matches of any status up to
        # SEARCH_COUNT_CAP, in one query; more than that, and the tabs show no number (None)
        # rather than counting them all.
        where, params = _where(filters, site_ids, list(Finding.Status.values))
        with reading() as c:
            c.execute(
                "SELECT f.status FROM findings_finding f WHERE "  # noqa: S608 (parameters)
                + " AND ".join(where)
                + " LIMIT %s",
                [*params, SEARCH_COUNT_CAP + 1],
            )
            sample = [row[0] for row in c.fetchall()]
        if len(sample) > SEARCH_COUNT_CAP:
            return {key: (None, False) for key in STATUSES}
        found = {}
        for st in sample:
            found[st] = found.get(st, 0) + 1
        return per_tab(found)
    if filters.page_ids is not None:
        # The matches are few (the findings of one page): one grouped count.
        where, params = _where(filters, site_ids, list(Finding.Status.values))
        with reading() as c:
            c.execute(
                "SELECT f.status, COUNT(*) FROM findings_finding f WHERE "  # noqa: S608 (parameters)
                + " AND ".join(where)
                + " GROUP BY f.status",
                params,
            )
            return per_tab(dict(c.fetchall()))
    # One capped count per status over all the chosen sites: at most COUNT_CAP + 1 index entries
    # each, however many sites.
    per_status: dict[str, tuple[int, bool]] = {}
    with reading() as c:
        for status in Finding.Status.values:
            where, params = _where(filters, site_ids, [status])
            c.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM findings_finding f WHERE "  # noqa: S608 (values are parameters)
                + " AND ".join(where)
                + " LIMIT %s) t",
                [*params, COUNT_CAP + 1],
            )
            n = c.fetchone()[0]
            per_status[status] = (min(n, COUNT_CAP), n > COUNT_CAP)
    return {
        key: (sum(per_status[s][0] for s in sts), any(per_status[s][1] for s in sts))
        for key, (_label, sts) in STATUSES.items()
    }


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
    with reading() as c:
        for s in sites[:MAX_PARTS]:
            c.execute(sql, [s.pk, s.pk, limit])
            found.update(row[0] for row in c.fetchall())
    return sorted(found)[:limit]


__all__ = ["ORDERS", "InboxPage", "counts", "inbox_queries", "iter_all", "languages", "page"]
