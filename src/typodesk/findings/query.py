"""What a list of findings can be asked for: the one definition the desk's inbox and the API share.

The inbox (desk) and ``GET /api/v1/findings`` (apiv1) take the same parameters with the same
values, parsed here: ``site``, ``status``, ``page`` (a page's address), ``lang``, ``since``,
``until``, ``suggested``, ``q`` and ``sort``. Both read their rows through ``findings.listing``.
A parameter added here appears in both, and tests/api/test_inbox_parity.py keeps them equal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from typodesk.findings.models import Finding, Page
from typodesk.findings.urlnorm import normalize_url
from typodesk.sites.models import Site

# The status tabs: parameter value -> (label, the statuses it shows).
STATUSES = {
    "open": (gettext_lazy("Open"), list(Finding.OPEN_STATUSES)),
    "fixed": (gettext_lazy("Fixed"), [Finding.Status.FIXED]),
    "rejected": (gettext_lazy("Not a mistake"), [Finding.Status.REJECTED]),
    "spam": (gettext_lazy("Spam"), [Finding.Status.SPAM]),
    "duplicate": (gettext_lazy("Duplicate"), [Finding.Status.DUPLICATE]),
    "all": (gettext_lazy("All"), list(Finding.Status.values)),
}
DEFAULT_STATUS = "open"


@dataclass(frozen=True)
class Column:
    """One part of a sort key: its SQL, how to read it from a Finding, its kind and direction."""

    sql: str
    kind: str  # "int", "time" or "text" (text: read from the database, never put in a cursor)
    desc: bool
    attr: str = ""  # the Finding attribute that holds it (not for text)


@dataclass(frozen=True)
class Order:
    """A sort: its columns (the last is always the id, so that no two rows tie) and the letter
    its cursors start with (none for "reports", whose cursors are ``readers.microseconds.id``)."""

    key: str
    label: object
    help: str
    columns: tuple[Column, ...]
    tag: str
    by_page: bool = False  # joins the page: its title orders the rows (and groups them)


_ID_DESC = Column("f.id", "int", True, "pk")
_ID_ASC = Column("f.id", "int", False, "pk")
# A page without a title (a reader's browser sent none) sorts by its address.
PAGE_NAME_SQL = "COALESCE(NULLIF(p.title, ''), p.url)"

ORDERS: dict[str, Order] = {
    o.key: o
    for o in (
        Order(
            # "reports" by its name from before readers were counted; it orders by readers.
            "reports",
            gettext_lazy("Most readers"),
            "most readers first (a reader who reports the same mistake again counts once), "
            "then the most recently reported",
            (
                Column("f.reader_count", "int", True, "reader_count"),
                Column("f.last_reported", "time", True, "last_reported"),
                _ID_DESC,
            ),
            "",
        ),
        Order(
            "newest",
            gettext_lazy("Newest"),
            "first reported most recently first",
            (Column("f.created", "time", True, "created"), _ID_DESC),
            "n",
        ),
        Order(
            "oldest",
            gettext_lazy("Oldest"),
            "first reported longest ago first",
            (Column("f.created", "time", False, "created"), _ID_ASC),
            "o",
        ),
        Order(
            "recent",
            gettext_lazy("Latest report"),
            "most recently reported first",
            (Column("f.last_reported", "time", True, "last_reported"), _ID_DESC),
            "r",
        ),
        Order(
            "page",
            gettext_lazy("Page"),
            "grouped by page, pages by title (or address), most readers first within a page",
            (
                Column(PAGE_NAME_SQL, "text", False),
                Column("f.page_id", "int", False, "page_id"),
                Column("f.reader_count", "int", True, "reader_count"),
                Column("f.last_reported", "time", True, "last_reported"),
                _ID_DESC,
            ),
            "p",
            by_page=True,
        ),
        # Only under its older API name (LEGACY_SORTS): the least recently reported first.
        Order(
            "quiet",
            gettext_lazy("Earliest last report"),
            "least recently reported first",
            (Column("f.last_reported", "time", False, "last_reported"), _ID_ASC),
            "q",
        ),
    )
}
# The sorts the desk offers and the API documents, in the desk's order.
SORTS = ["reports", "newest", "oldest", "recent", "page"]
DEFAULT_SORT = "reports"
# The API's names from before it shared the desk's sorts; still accepted there.
LEGACY_SORTS = {
    "-last_reported": "recent",
    "last_reported": "quiet",
    "-created": "newest",
    "created": "oldest",
}

# The filter parameters, in the desk form's order, with what the API documents of each.
PARAMETERS = {
    "q": "Words that the quote, a reader's suggestion or comment, or the page's title contain "
    "(each word as the start of a word; every word must match).",
    "site": "A site's public key; default: all your sites.",
    "status": "A status tab of the inbox: open (new), fixed, rejected, spam, duplicate, all.",
    "sort": "The order: " + "; ".join(f"{k}: {ORDERS[k].help}" for k in SORTS) + ".",
    "page": "Only findings on this page: its full http(s) address, in any form readers' browsers send.",
    "lang": "Only findings on pages in this language (a tag such as en or pt-BR).",
    "since": "Only findings first reported on or after this day (YYYY-MM-DD, the server's time zone).",
    "until": "Only findings first reported on or before this day (YYYY-MM-DD).",
    "suggested": "Only findings for which a reader suggested a correction.",
}

MAX_SEARCH_WORDS = 8
WORD = re.compile(r"\w+")
LANG = re.compile(r"[A-Za-z0-9-]{1,35}")  # a language tag as readers' browsers send it (en, pt-BR)
MAX_COUNT = 2**31 - 1  # the largest reader count a PositiveIntegerField holds everywhere
MAX_ID = 2**63 - 1  # the largest BigAutoField id
# Dates the desk can turn into a day's start and end in any time zone (the calendar's own ends,
# 0001-01-01 and 9999-12-31, overflow when shifted by a time zone or a day).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)
TRUE = {"1", "on", "yes", "true"}


class FilterError(ValueError):
    """A filter value that cannot be used; the message tells the person what to type instead."""

    def __init__(self, message: str, param: str = ""):
        super().__init__(message)
        self.param = param


@dataclass
class Filters:
    """What a list shows, parsed from query parameters (``parse``)."""

    all_sites: list[Site]
    sites: list[Site]
    site_key: str = ""
    status: str = DEFAULT_STATUS
    sort: str = DEFAULT_SORT
    page_url: str = ""
    page_ids: list[int] | None = None  # None: no page filter
    lang: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    suggested: bool = False
    q: str = ""
    words: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_params: list[str] = field(default_factory=list)  # the parameter of each error
    # Pages of the chosen sites whose title has every word of the search (listing.title_pages).
    title_page_ids: list[int] | None = field(default=None, repr=False)
    # A search's matches, read once per request and shared by the page and the counts.
    matches: list[tuple] | None = field(default=None, repr=False)
    common_words: bool | None = field(default=None, repr=False)

    def error(self, message: str, param: str) -> None:
        self.errors.append(message)
        self.error_params.append(param)

    @property
    def order(self) -> Order:
        return ORDERS[self.sort]

    def params(self, **changes) -> dict[str, str]:
        """The query parameters of these filters (without paging), with ``changes`` applied."""
        values = {
            "site": self.site_key,
            "status": "" if self.status == DEFAULT_STATUS else self.status,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
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
        """``?…`` for a link keeping these filters ("?" when there are none)."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else "?"

    @property
    def statuses(self) -> list[str]:
        return STATUSES[self.status][1]

    @property
    def narrowed(self) -> bool:
        """Whether anything besides site, status and sort narrows the list."""
        return bool(self.page_url or self.lang or self.since or self.until or self.suggested or self.q)


def _date(value: str, label: str, param: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            _("%(label)s must be a date like 2025-03-31, not “%(value)s”.")
            % {"label": label, "value": value[:40]},
            param,
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(
            _("%(label)s must be a date between %(first)s and %(last)s.")
            % {"label": label, "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            param,
        )
    return day


def page_address(value: str) -> str | None:
    """The normalised address of a page filter, or None for one that is not a full http(s) one."""
    try:  # urlsplit refuses some addresses outright ("https://[": an unclosed IPv6 host)
        parts = urlsplit(value)
        if parts.scheme.lower() in ("http", "https") and parts.hostname:
            return normalize_url(value)
    except (ValueError, TypeError):
        pass
    return None


def parse(get: Mapping[str, str], all_sites: list[Site], *, legacy_sorts: bool = False) -> Filters:
    """The filters of query parameters ``get``; unusable values are listed in ``errors`` (the
    desk answers 400 with them, the API a 400 naming ``error_params[0]``)."""
    f = Filters(all_sites=all_sites, sites=all_sites)
    key = get.get("site", "") or ""
    if key:
        chosen = [s for s in all_sites if s.public_key == key]
        if chosen:
            f.sites, f.site_key = chosen, key
        else:
            # Not one of the user's sites (or no site at all): show nothing rather than guess.
            f.sites, f.site_key = [], key
            f.error(_("That site is not one of yours; choose a site from the list."), "site")
    status = get.get("status", "") or DEFAULT_STATUS
    if status in STATUSES:
        f.status = status
    else:
        f.error(_("Unknown status; choose one of the tabs."), "status")
    sort = get.get("sort", "") or DEFAULT_SORT
    if legacy_sorts:
        sort = LEGACY_SORTS.get(sort, sort)
    if sort in SORTS or (legacy_sorts and sort in ORDERS):
        f.sort = sort
    else:
        f.error(
            _("Unknown order; choose one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)},
            "sort",
        )
    f.lang = (get.get("lang", "") or "").strip()[:35]
    if f.lang and not LANG.fullmatch(f.lang):
        f.error(_("Unknown language; choose one from the list."), "lang")
        f.lang = ""
    f.suggested = (get.get("suggested", "") or "").lower() in TRUE
    for param, label in (("since", _("“From”")), ("until", _("“To”"))):
        try:
            setattr(f, param, _date((get.get(param, "") or "").strip(), label, param))
        except FilterError as e:
            f.error(str(e), e.param)
    if f.since and f.until and f.since > f.until:
        f.error(_("The “From” date is after the “To” date."), "since")
    f.page_url = (get.get("page", "") or "").strip()[:2048]
    if f.page_url:
        url = page_address(f.page_url)
        if not url:
            f.error(_("The page must be a full address like https://news.example/story."), "page")
        else:
            f.page_ids = list(
                Page.objects.filter(site__in=f.sites, url_hash=Page.hash_url(url)).values_list(
                    "pk", flat=True
                )
            )
    f.q = " ".join((get.get("q", "") or "").split())[:200]
    if f.q:
        f.words = WORD.findall(f.q)[:MAX_SEARCH_WORDS]
        if not f.words:
            f.error(_("Type at least one letter or digit to search."), "q")
    return f


# --- Cursors: a row's sort key, short and URL-safe ----------------------------------------------


def _micros(value: dt.datetime) -> int:
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(value: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=value)


def encode_cursor(f: Finding, order: Order | str = DEFAULT_SORT) -> str:
    """The row's sort key: ``readers.microseconds.id`` for "reports"; other sorts start with
    their letter (``n.microseconds.id``); the page's title is not in it (its id is).

    A cursor is a position in the sort, not an offset: one written while "reports" ordered by
    the raw report count has the same form and still reads as a position among the readers'
    counts: the next page starts there rather than failing."""
    order = ORDERS[order] if isinstance(order, str) else order
    parts = [order.tag] if order.tag else []
    for col in order.columns:
        if col.kind == "text":
            continue
        value = getattr(f, col.attr)
        parts.append(str(_micros(value) if col.kind == "time" else value))
    return ".".join(parts)


def _cursor_pattern(order: Order) -> re.Pattern:
    parts = [re.escape(order.tag)] if order.tag else []
    for col in order.columns:
        if col.kind == "int":
            parts.append(r"(\d{1,19})")
        elif col.kind == "time":
            parts.append(r"(-?\d{1,19})")
    return re.compile("^" + r"\.".join(parts) + "$")


CURSORS = {key: _cursor_pattern(o) for key, o in ORDERS.items()}


def decode_cursor(value: str, order: Order | str = DEFAULT_SORT, page_name: Callable | None = None) -> tuple:
    """The sort key a cursor holds, as the columns' values (text looked up by ``page_name(id)``,
    which answers None for a page the user cannot see); a FilterError for any other string."""
    order = ORDERS[order] if isinstance(order, str) else order
    broken = FilterError(_("This page link is broken; go back to the first page of the inbox."), "cursor")
    m = CURSORS[order.key].match(value or "")
    if not m:
        raise broken
    numbers = iter(int(g) for g in m.groups())
    values: list = []
    text_at = None
    for col in order.columns:
        if col.kind == "text":
            text_at = len(values)
            values.append(None)
            continue
        n = next(numbers)
        if col.kind == "int":
            if n > (MAX_COUNT if col.attr == "reader_count" else MAX_ID):
                raise broken  # past the column's range: no row has such a key
            values.append(n)
        else:
            try:
                values.append(_from_micros(n))
            except OverflowError:
                raise broken from None
    if text_at is not None:
        name = page_name(values[text_at + 1]) if page_name else None
        if name is None:
            raise broken
        values[text_at] = name
    return tuple(values)
