"""The inbox's side of a list of findings: the request's filters, and what each one-line row
shows (the mistake and its best correction, the page, readers, verification, age).

The filters, sorts and queries are the findings app's (``findings.query``, ``findings.listing``),
shared with the API; this module only reads them from a request and dresses the rows.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.timesince import timesince

from typodesk.findings.listing import (  # noqa: F401 (the desk's names for them; the benchmarks use them)
    COUNT_CAP,
    InboxPage,
    counts,
    inbox_queries,
    iter_all,
    languages,
    page,
    reading,
    reads_matches,
    search_query,
)
from typodesk.findings.models import Finding
from typodesk.findings.query import (  # noqa: F401
    ORDERS,
    SORTS,
    STATUSES,
    FilterError,
    Filters,
    decode_cursor,
    encode_cursor,
)
from typodesk.findings.query import parse as parse_params
from typodesk.sites.models import Site

MAX_AT = 10_000_000


def parse(request, all_sites: list[Site]) -> Filters:
    """The filters of the request's query string; unusable values are in ``errors`` (400)."""
    return parse_params(request.GET, all_sites)


def position(request) -> int | None:
    """Where the page starts in the list ("51–100 of 229"), as the pager's links carry it:
    a hint for the heading only (the cursor decides the rows), so nonsense is just ignored."""
    value = request.GET.get("at", "")
    if not (request.GET.get("after") or request.GET.get("before")):
        return 1
    if value.isascii() and value.isdigit() and len(value) <= 8 and 1 <= int(value) <= MAX_AT:
        return int(value)
    return None


# Readers' suggestions shown per finding are those of its latest reports: a finding reported
# tens of thousands of times costs no more than one reported this many times.
SUGGESTION_REPORTS = 50


def attach_suggestions(findings: list[Finding]) -> None:
    """``f.suggestions``: the distinct suggestions of the finding's latest reports, most frequent
    first (at most five). One query, each part read from the (finding, created) index."""
    from typodesk.desk.finding import is_the_quote

    tally: dict[int, dict[str, int]] = {f.pk: {} for f in findings}
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
        with reading() as c:
            c.execute(sql, params)
            for fid, suggestion in c.fetchall():
                if suggestion and not is_the_quote(suggestion, exact[fid]):
                    tally[fid][suggestion] = tally[fid].get(suggestion, 0) + 1
    for f in findings:
        f.suggestions = sorted(tally[f.pk].items(), key=lambda kv: (-kv[1], kv[0]))[:5]


def dress_rows(findings: list[Finding], by_page: bool) -> None:
    """What a one-line row shows besides the finding's fields: ``best`` (the readers' most
    frequent suggestion, else the spell checker's), ``age`` (since the first report), and with
    the page order ``starts_group`` on the first row of each page (its heading)."""
    now = timezone.now()
    previous = None
    for f in findings:
        best = f.suggestions[0][0] if getattr(f, "suggestions", None) else ""
        if not best and f.spell_status == Finding.Spelling.SUGGESTED and f.spell_suggestion:
            best = f.spell_suggestion
        f.best = best
        f.best_is_spelling = bool(best) and not f.suggestions
        f.age = timesince(f.created, now, depth=1)
        f.starts_group = by_page and f.page_id != previous
        previous = f.page_id
