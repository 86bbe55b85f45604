"""The inbox's sorts: every one pages forwards and back over ties without losing or repeating a
row, in the order its definition says; the page order groups; the search reads page titles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.findings import listing, query
from typodesk.findings.query import SORTS
from typodesk.findings.services import Quote, record_report, set_status

pytestmark = pytest.mark.django_db
INBOX = reverse("desk:inbox")


def report(site, exact, start, path="/story", title="A story", **kw):
    return record_report(
        site,
        url=f"https://{site.hosts()[0]}{path}",
        quote=Quote(exact, "It was ", " best of", start, start + len(exact)),
        title=title,
        **kw,
    ).finding


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-finding="(\d+)"', html)]


def link(html: str, rel: str) -> str | None:
    m = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return INBOX + m.group(1).replace("&amp;", "&") if m else None


def walk(client, query: str) -> list[str]:
    """Every page from the first by "Next", then back by "Previous": the pages' HTML, forwards."""
    pages, url = [], INBOX + query
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.content.decode()[:300]
        pages.append(r.content.decode())
        url = link(pages[-1], "next")
    back, url = [pages[-1]], link(pages[-1], "prev")
    while url and "before=" in url:  # back to the page whose "previous" is the first page's link
        back.insert(0, client.get(url).content.decode())
        url = link(back[0], "prev")
    assert [ids(p) for p in back] == [ids(p) for p in pages]
    if len(pages) > 1:
        assert url and "before=" not in url and "after=" not in url  # then the first page itself
    return pages


@pytest.fixture
def ties(site):
    """Findings that tie on every key but the id: same times, counts and page titles; one
    reported twice by the same reader ties with those reported once on readers (not reports)."""
    same = timezone.now() - dt.timedelta(hours=1)
    earlier = same - dt.timedelta(days=2)
    made = []
    for p, title in enumerate(["Budget", "Alpha", "Budget", ""]):  # two pages titled alike
        for i in range(3):
            made.append(
                report(site, f"p{p}w{i}", i * 10, path=f"/p{p}", title=title, when=same, comment="zanzibar")
            )
    for i in range(3):  # reported twice: first long ago, again now
        # twice2 by the same reader both times: one reader, as many as the findings reported once
        # (by reports it would come first: it has the highest id of the three).
        reader = {"client_hash": "same-reader"} if i == 2 else {}
        f = report(site, f"twice{i}", 100 + i * 10, title="Crime", when=earlier, comment="zanzibar", **reader)
        report(site, f"twice{i}", 100 + i * 10, title="Crime", when=same, **reader)
        made.append(f)
    set_status(made[0], "fixed")
    for f in made:
        f.refresh_from_db()
    return [f for f in made if f.status == "new"]


def expected(findings, sort: str) -> list[int]:
    """The order the docs give each sort, computed here from the rows."""
    if sort == "reports":
        key = lambda f: (-f.reader_count, -f.last_reported.timestamp(), -f.pk)  # noqa: E731
    elif sort == "newest":
        key = lambda f: (-f.created.timestamp(), -f.pk)  # noqa: E731
    elif sort == "oldest":
        key = lambda f: (f.created.timestamp(), f.pk)  # noqa: E731
    elif sort == "recent":
        key = lambda f: (-f.last_reported.timestamp(), -f.pk)  # noqa: E731
    else:
        key = lambda f: (  # noqa: E731
            f.page.title or f.page.url,
            f.page_id,
            -f.reader_count,
            -f.last_reported.timestamp(),
            -f.pk,
        )  # noqa: E731
    return [f.pk for f in sorted(findings, key=key)]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("search", ["", "matches first", "along the walk"])
def test_every_sort_pages_forwards_and_back_over_ties(logged_in, ties, monkeypatch, sort, search):
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    query = f"?sort={sort}"
    if search:  # every finding has a report saying "zanzibar": the search finds the same rows
        monkeypatch.setattr(listing, "SEARCH_WALK_FROM", 2000 if search == "matches first" else 1)
        query += "&q=zanzibar"
    pages = walk(logged_in, query)
    assert len(pages) == 4 and [len(ids(p)) for p in pages] == [4, 4, 4, 2]
    seen = [pk for p in pages for pk in ids(p)]
    assert seen == expected(ties, sort)
    # "1–4 of 14" above each page.
    assert [re.search(r'class="shown">([^<]+)<', p).group(1) for p in pages] == [
        "1–4 of 14",
        "5–8 of 14",
        "9–12 of 14",
        "13–14 of 14",
    ]


def test_the_page_order_groups_rows_under_their_page(logged_in, ties):
    html = logged_in.get(INBOX + "?sort=page").content.decode()
    heads = re.findall(r'<h2 class="group-head"><a href="[^"]*">([^<]+)</a>', html)
    # Pages by title (a page without one by its address); two pages titled alike apart.
    assert heads == ["Alpha", "Budget", "Budget", "Crime", "https://news.example/p3"]
    assert "Alpha</span>" not in html  # the page is the heading, not each row's text


def test_a_cursor_from_the_report_count_order_still_reads_as_a_position(logged_in, ties, monkeypatch):
    """A "reports" link written while that order counted reports holds a report count; it has the
    readers' cursor form, so the inbox answers the page after that position, not an error."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    twice2 = next(f for f in ties if f.exact == "twice2")
    assert (twice2.report_count, twice2.reader_count) == (2, 1)
    old = f"{twice2.report_count}.{query._micros(twice2.last_reported)}.{twice2.pk}"
    r = logged_in.get(INBOX, {"after": old})
    assert r.status_code == 200
    order = expected(ties, "reports")
    after = [
        f.pk for f in ties if (f.reader_count, f.last_reported, f.pk) < (2, twice2.last_reported, twice2.pk)
    ]
    assert ids(r.content.decode()) == [pk for pk in order if pk in after][:4]


def test_sorts_by_reports_newest_oldest_and_latest_report(logged_in, site):
    old = report(site, "old", 1, when=timezone.now() - dt.timedelta(days=9))
    report(site, "old", 1, when=timezone.now() - dt.timedelta(minutes=1))  # reported again now
    mid = report(site, "mid", 20, when=timezone.now() - dt.timedelta(days=3))
    new = report(site, "new", 40, when=timezone.now() - dt.timedelta(hours=2))

    def order(sort):
        return ids(logged_in.get(INBOX + f"?sort={sort}").content.decode())

    assert order("reports") == [old.pk, new.pk, mid.pk]
    assert order("newest") == [new.pk, mid.pk, old.pk]
    assert order("oldest") == [old.pk, mid.pk, new.pk]
    assert order("recent") == [old.pk, new.pk, mid.pk]


@pytest.mark.parametrize(
    "query, message",
    [
        ("?sort=title", "Unknown order"),
        ("?sort=-last_reported", "Unknown order"),  # the API's older names are the API's only
        ("?sort=newest&after=1.2.3", "This page link is broken"),  # a "reports" cursor
        ("?sort=page&after=p.999999.1.1.1", "This page link is broken"),  # no such page
    ],
)
def test_bad_sorts_and_cursors_of_another_sort_are_400(logged_in, site, query, message):
    report(site, "teh", 1)
    r = logged_in.get(INBOX + query)
    assert r.status_code == 400 and message in r.content.decode()


def test_a_page_cursor_names_no_page_of_another_site(logged_in, site, make_site):
    other = make_site(name="Other", domains=["other.example"])
    theirs = report(other, "theirs", 1, title="Secret title")
    r = logged_in.get(INBOX + f"?sort=page&after=p.{theirs.page_id}.1.0.{theirs.pk}")
    assert r.status_code == 400


@pytest.mark.parametrize("mode", [2000, 1])
def test_search_finds_words_of_the_page_title(logged_in, site, monkeypatch, mode):
    monkeypatch.setattr(listing, "SEARCH_WALK_FROM", mode)
    on_budget = report(site, "teh", 1, path="/budget", title="Городской бюджет: council budget 2026")
    sport = report(site, "recieve", 20, path="/sport", title="Sport results", comment="budgetary")
    other = report(site, "wich", 40, path="/other", title="Weather")

    def found(q):
        return sorted(ids(logged_in.get(INBOX, {"q": q}).content.decode()))

    assert found("council") == [on_budget.pk]
    assert found("БЮДЖЕТ") == [on_budget.pk]  # any alphabet's case
    assert found("budget") == sorted([on_budget.pk, sport.pk])  # title, and a comment
    assert found("council budget") == [on_budget.pk]
    assert found("weather") == [other.pk]
    assert found("council weather") == []


@pytest.mark.parametrize("at", ["²", "0", "-1", "99999999999", "abc", ""])
def test_a_nonsense_position_only_drops_the_range_from_the_heading(logged_in, site, monkeypatch, at):
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    report(site, "teh", 1)
    report(site, "wich", 20)
    first = logged_in.get(INBOX).content.decode()
    after = re.search(r"after=([\w.]+)", first).group(1)
    r = logged_in.get(INBOX, {"after": after, "at": at})
    assert r.status_code == 200
    assert re.search(r'class="shown">1 finding<', r.content.decode())
    assert re.search(
        r'class="shown">2–2 of 2<', logged_in.get(INBOX, {"after": after, "at": "2"}).content.decode()
    )


@pytest.mark.parametrize("sort", ["reports", "newest", "oldest", "recent"])
@pytest.mark.parametrize("status", ["open", "fixed"])
def test_each_sort_but_page_walks_an_index_in_its_order(site, sort, status):
    """No sort of all the rows: each (site, status) part reads an index in the sort's order, from
    the cursor on, however deep (the page order lets the database sort: bench/inbox_bench.py).
    Where the index holds a time but not the id after it, only findings of the same time are put
    in id order (SQLite: "RIGHT PART OF ORDER BY"; PostgreSQL: an incremental sort)."""
    from django.db import connection

    from typodesk.findings.query import ORDERS, parse

    f = report(site, "teh", 1, suggestion="x")
    filters = parse({"sort": sort, "status": status}, [site])
    cursor = tuple(getattr(f, c.attr) for c in ORDERS[sort].columns)
    for sql, params in listing.inbox_queries(filters, cursor=cursor):
        with connection.cursor() as c:
            if connection.vendor == "sqlite":
                c.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " ".join(str(row[-1]) for row in c.fetchall())
                assert "INDEX finding_" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
            else:
                c.execute("SET enable_seqscan = off")
                c.execute("SET enable_sort = off")
                c.execute("EXPLAIN " + sql, params)
                plan = " ".join(row[0] for row in c.fetchall())
                c.execute("RESET enable_seqscan")
                c.execute("RESET enable_sort")
                full_sort = re.search(r"(?<!Incremental )Sort  \(cost", plan)  # a Sort node
                assert "Index" in plan and "finding_" in plan and not full_sort, plan


def test_a_word_of_many_page_titles_is_searched_along_the_walk(logged_in, site, monkeypatch):
    """SQLite: the findings of many pages are not read first; the pages stay in order."""
    monkeypatch.setattr(listing, "TITLE_PAGES_WALK_FROM", 2)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    made = [report(site, f"w{i}", 1, path=f"/p{i}", title=f"Budget part {i}") for i in range(5)]
    report(site, "other", 1, path="/x", title="Weather")
    pages = walk(logged_in, "?q=budget&sort=page")
    assert [pk for p in pages for pk in ids(p)] == [f.pk for f in made]
