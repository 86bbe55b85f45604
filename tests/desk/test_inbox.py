"""The inbox without a browser: order, filters, search, keyset pages, counts, export, isolation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.desk import inbox
from typodesk.findings import listing
from typodesk.findings import query as findings_query
from typodesk.findings.models import Page
from typodesk.findings.services import Quote, record_report, set_status

pytestmark = pytest.mark.django_db
INBOX = reverse("desk:inbox")


def report(site, exact="teh", start=7, path="/story", **kw):
    return record_report(
        site,
        url=kw.pop("url", None) or f"https://{site.hosts()[0]}{path}",
        quote=Quote(
            exact, kw.pop("prefix", "It was "), kw.pop("suffix", " best of"), start, start + len(exact)
        ),
        title=kw.pop("title", "A story"),
        **kw,
    ).finding


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


@pytest.fixture
def other(make_site):
    return make_site(name="Other", domains=["other.example"])


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def shown(client, query="") -> list[str]:
    """The quotes of the inbox page, in order."""
    r = client.get(INBOX + query)
    assert r.status_code == 200, r.content.decode()[:500]
    return re.findall(r"<mark>(.*?)</mark>", r.content.decode())


def ago(**kw):
    return timezone.now() - dt.timedelta(**kw)


def test_most_reported_first_then_most_recently_reported(logged_in, site):
    report(site, "single", start=1, when=ago(minutes=1))
    for minutes in (50, 40, 30):
        report(site, "thrice", start=20, when=ago(minutes=minutes))
    for minutes in (20, 10):
        report(site, "twice old", start=40, when=ago(days=3, minutes=minutes))
    for minutes in (9, 8):
        report(site, "twice new", start=60, when=ago(minutes=minutes))
    assert shown(logged_in) == ["thrice", "twice new", "twice old", "single"]


def test_open_by_default_and_status_tabs_with_counts(logged_in, site):
    report(site, "open one", start=1)
    report(site, "open two", start=20)
    set_status(report(site, "fixed one", start=40), "fixed")
    set_status(report(site, "spam one", start=60), "spam")
    assert sorted(shown(logged_in)) == ["open one", "open two"]
    assert shown(logged_in, "?status=fixed") == ["fixed one"]
    assert sorted(shown(logged_in, "?status=all")) == ["fixed one", "open one", "open two", "spam one"]
    html = logged_in.get(INBOX).content.decode()
    tabs = dict(re.findall(r'<a href="[^"]*"[^>]*>([^<]+?) <span class="count">([^<]+)</span>', html))
    assert tabs == {
        "Open": "2",
        "Fixed": "1",
        "Not a mistake": "0",
        "Spam": "1",
        "Duplicate": "0",
        "All": "4",
    }
    assert re.search(r'aria-current="page">Open <span class="count">2</span>', html)


def test_counts_stop_at_the_cap(logged_in, site, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    for i in range(4):
        report(site, f"w{i}", start=i * 10)
    html = logged_in.get(INBOX).content.decode()
    assert 'Open <span class="count">2+</span>' in html


def test_search_counts_every_match_or_says_at_least(logged_in, site, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 2)
    for i in range(4):
        report(site, f"w{i}", start=i * 10, comment="zanzibar")
    report(site, "other", start=90)
    monkeypatch.setattr(listing, "SEARCH_WALK_FROM", 3)  # SQLite: "zanzibar" is a common word
    html = logged_in.get(INBOX + "?q=zanzibar").content.decode()
    # More matches than the cap: no numbers rather than counting them all.
    assert 'aria-current="page">Open</a>' in html
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 4)
    html = logged_in.get(INBOX + "?q=zanzibar").content.decode()
    assert 'aria-current="page">Open <span class="count">4</span>' in html
    monkeypatch.setattr(listing, "SEARCH_WALK_FROM", 2000)  # SQLite: a rare word, every match read
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 2)
    html = logged_in.get(INBOX + "?q=zanzibar").content.decode()
    expected = "Open</a>" if connection.vendor == "postgresql" else 'Open <span class="count">4</span>'
    assert expected in html
    assert len(shown(logged_in, "?q=zanzibar")) == 4


def test_filter_by_page_language_date_and_suggestion(logged_in, site):
    report(site, "on story", start=1, path="/story", lang="en")
    report(site, "on other", start=1, path="/other?utm_source=x", lang="ru", suggestion="fix")
    report(site, "old one", start=30, path="/old", lang="en", when=ago(days=40))
    # Page: the address as a reader's browser had it finds the normalised page.
    assert shown(logged_in, "?page=https://news.example/other?utm_source=newsletter") == ["on other"]
    assert shown(logged_in, "?page=https://news.example/nowhere") == []
    assert shown(logged_in, "?lang=ru") == ["on other"]
    assert sorted(shown(logged_in, "?lang=en")) == ["old one", "on story"]
    assert shown(logged_in, "?suggested=1") == ["on other"]
    day = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    assert shown(logged_in, f"?since={day}&until={day}") == ["old one"]
    assert "old one" not in shown(logged_in, f"?since={timezone.localdate().isoformat()}")
    # Filters combine, and the language list offers what there is.
    assert shown(logged_in, "?lang=en&suggested=1") == []
    html = logged_in.get(INBOX).content.decode()
    assert '<option value="en">en</option>' in html and '<option value="ru">ru</option>' in html


def test_language_follows_the_page_when_it_changes(site):
    f = report(site, "teh", lang="en")
    f.refresh_from_db()
    assert f.lang == "en" and not f.has_suggestion
    report(site, "teh", lang="az", suggestion="the")  # the page now says it is in Azerbaijani
    f.refresh_from_db()
    assert f.lang == "az" and f.has_suggestion
    assert Page.objects.get().lang == "az"


@pytest.fixture(params=["matches first", "along the walk"])
def search_mode(request, monkeypatch):
    """SQLite reads the matches of rare words first and checks common ones along the walk."""
    monkeypatch.setattr(listing, "SEARCH_WALK_FROM", 2000 if request.param == "matches first" else 1)
    return request.param


def test_search_quote_suggestion_and_comment(logged_in, site, search_mode):
    report(site, "recieve", start=1, comment="Spelling in the first paragraph")
    report(site, "chevl", start=20, suggestion="cheval")
    report(site, "Москва", start=40, comment="опечатка в названии")
    report(site, "exist", start=60)
    assert shown(logged_in, "?q=recieve") == ["recieve"]
    assert shown(logged_in, "?q=RECIEVE") == ["recieve"]  # case does not matter
    assert shown(logged_in, "?q=paragr") == ["recieve"]  # word prefixes match
    assert shown(logged_in, "?q=cheval") == ["chevl"]  # a suggestion
    assert shown(logged_in, "?q=опечатка") == ["Москва"]
    assert shown(logged_in, "?q=спелл") == []
    assert shown(logged_in, "?q=spelling+first") == ["recieve"]  # every word
    assert shown(logged_in, "?q=spelling+second") == []
    # Search syntax of the database engines is only text here.
    for hostile in ('"', "*", "a OR b", "-x", "'; DROP TABLE x; --", "NEAR(a b)", "col:x", "a & !b | c:*"):
        r = logged_in.get(INBOX, {"q": hostile})
        assert r.status_code in (200, 400), hostile
    r = logged_in.get(INBOX, {"q": "***"})
    assert r.status_code == 400 and "at least one letter or digit" in r.content.decode()


def test_search_sees_reports_added_later(logged_in, site, search_mode):
    report(site, "teh", start=1)
    assert shown(logged_in, "?q=zanzibar") == []
    report(site, "teh", start=1, comment="also in zanzibar edition")
    assert shown(logged_in, "?q=zanzibar") == ["teh"]


def walk(client, query="", direction="after") -> list[list[str]]:
    pages, url = [], INBOX + query
    while url:
        html = client.get(url).content.decode()
        pages.append(re.findall(r'data-finding="(\d+)"', html))
        nxt = re.search(r'href="([^"]*)" rel="next"', html)
        url = INBOX + nxt.group(1).replace("&amp;", "&") if nxt else None
    return pages


def test_keyset_pages_cover_every_finding_once_even_with_ties(logged_in, site, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    same = ago(hours=1)
    expected = []
    for i in range(7):  # the same count and the same time: only the id orders them
        expected.append(report(site, f"tie{i}", start=i * 10, when=same).pk)
    for i in range(4):
        f = report(site, f"two{i}", start=100 + i * 10, when=same)
        report(site, f"two{i}", start=100 + i * 10, when=same)
        expected.append(f.pk)
    pages = walk(logged_in, "?status=open")
    assert [len(p) for p in pages] == [4, 4, 3]
    ids = [int(pk) for p in pages for pk in p]
    assert sorted(ids) == sorted(expected) and len(set(ids)) == len(ids)
    # Two reports before one; within each, newest id first (same times).
    assert ids == sorted(expected[7:], reverse=True) + sorted(expected[:7], reverse=True)


def test_search_pages_in_inbox_order(logged_in, site, monkeypatch, search_mode):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    expected = []
    for i in range(5):
        f = report(site, f"w{i}", start=i * 10, comment="zanzibar", when=ago(minutes=10 - i))
        expected.insert(0, str(f.pk))  # the latest reported first
    report(site, "other", start=90)
    pages = walk(logged_in, "?q=zanzibar")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [pk for p in pages for pk in p] == expected


def test_previous_page_links_go_back(logged_in, site, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    for i in range(8):
        report(site, f"w{i}", start=i * 10, when=ago(minutes=i))
    first = logged_in.get(INBOX).content.decode()
    assert 'rel="prev"' not in first and "First page" not in first
    second = logged_in.get(
        INBOX + re.search(r'href="([^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    )
    second = second.content.decode()
    third_url = re.search(r'href="([^"]*)" rel="next"', second).group(1).replace("&amp;", "&")
    third = logged_in.get(INBOX + third_url).content.decode()
    assert 'rel="next"' not in third
    back = logged_in.get(
        INBOX + re.search(r'href="([^"]*)" rel="prev"', third).group(1).replace("&amp;", "&")
    )
    ids = lambda html: re.findall(r'data-finding="(\d+)"', html)  # noqa: E731
    assert ids(back.content.decode()) == ids(second)
    assert "First page" in second


@pytest.mark.parametrize(
    "query, message",
    [
        ("?after=nonsense", "This page link is broken"),
        ("?after=1.9999999999999999999.1", "This page link is broken"),
        ("?before=1.2", "This page link is broken"),
        ("?since=yesterday", "must be a date like 2025-03-31"),
        ("?since=2025-05-02&until=2025-05-01", "after the “To” date"),
        ("?page=not a url", "full address"),
        ("?status=deleted", "Unknown status"),
    ],
)
def test_bad_filters_are_400_with_a_message(logged_in, site, query, message):
    report(site)
    r = logged_in.get(INBOX + query)
    assert r.status_code == 400
    assert message in r.content.decode()


def test_a_cursor_after_the_last_row_is_an_empty_page(logged_in, site):
    report(site)
    assert shown(logged_in, "?after=1.0.1") == []


def test_nobody_sees_another_sites_findings_by_any_filter(logged_in, site, other):
    mine = report(site, "mine", lang="en", suggestion="mined", comment="secret")
    theirs = report(other, "theirs", lang="en", suggestion="theirs fixed", comment="secret")
    queries = [
        "",
        f"?site={other.public_key}",
        "?status=all",
        "?q=theirs",
        "?q=secret",
        "?lang=en",
        "?suggested=1",
        "?page=https://other.example/story",
        f"?after={theirs.reader_count}.{findings_query._micros(theirs.last_reported) + 1}.{theirs.pk + 1}",
    ]
    for query in queries:
        html = logged_in.get(INBOX + query).content.decode()
        assert "<mark>theirs</mark>" not in html and f'data-finding="{theirs.pk}"' not in html, query
    assert logged_in.get(INBOX + f"?site={other.public_key}").status_code == 400
    assert shown(logged_in, "?q=secret") == ["mine"]
    for fmt in ("csv", "json"):
        for query in ("", f"?site={other.public_key}", "?q=secret"):
            r = logged_in.get(reverse("desk:inbox-export", args=[fmt]) + query)
            body = b"".join(r.streaming_content).decode() if r.status_code == 200 else r.content.decode()
            assert '"theirs' not in body and ",theirs," not in body, (fmt, query)
    assert mine.pk


def test_export_keeps_the_filters(logged_in, site):
    report(site, "teh", start=1, suggestion="the", comment="=HYPERLINK(1)")
    report(site, "recieve", start=20)
    set_status(report(site, "closed", start=40), "fixed")
    r = logged_in.get(reverse("desk:inbox-export", args=["csv"]) + "?suggested=1")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"].startswith('attachment; filename="news-findings-')
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    from typodesk.interchange.export import CSV_COLUMNS

    assert rows[0] == CSV_COLUMNS
    assert [row[5] for row in rows[1:]] == ["teh"]
    assert rows[1][12] == "'=HYPERLINK(1)"  # no formula for spreadsheets
    r = logged_in.get(reverse("desk:inbox-export", args=["json"]) + "?status=all")
    doc = json.loads(b"".join(r.streaming_content))
    assert doc["format"] == "typodesk-findings" and doc["site"]["key"] == site.public_key
    assert sorted(f["quote"]["exact"] for f in doc["findings"]) == ["closed", "recieve", "teh"]
    assert [rep["suggestion"] for rep in doc["findings"][0]["reports"]] in (["the"], [""])
    # The inbox links to it with its filters.
    html = logged_in.get(INBOX + "?suggested=1&q=teh").content.decode()
    assert 'href="/desk/inbox.csv?suggested=1&amp;q=teh"' in html
    assert logged_in.get(reverse("desk:inbox-export", args=["xml"])).status_code == 404
    assert logged_in.get(reverse("desk:inbox-export", args=["csv"]) + "?since=x").status_code == 400


def test_export_over_several_sites_names_each_findings_site(client, make_user, site, other):
    from typodesk.sites.models import Membership

    both = make_user("both@news.example")
    Membership.objects.create(site=site, user=both, role="viewer")
    Membership.objects.create(site=other, user=both, role="editor")
    report(site, "here")
    report(other, "there")
    client.force_login(both)
    doc = json.loads(b"".join(client.get(reverse("desk:inbox-export", args=["json"])).streaming_content))
    assert {f["quote"]["exact"]: f["site"] for f in doc["findings"]} == {
        "here": site.public_key,
        "there": other.public_key,
    }
    assert {s["key"] for s in doc["sites"]} == {site.public_key, other.public_key}
    csv_text = b"".join(client.get("/desk/inbox.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][-1] == "site" and {r[-1] for r in rows[1:]} == {site.public_key, other.public_key}


def test_search_finds_every_word_of_reports_stored_in_one_group(logged_in, site):
    """The report endpoint stores a finding's reports in groups, one INSERT each (on PostgreSQL
    the finding's search vector is kept once per statement): every report's words are found."""
    from django.db import transaction

    from typodesk.findings.services import record_reports

    first, second = report(site, "teh"), report(site, "recieve", start=40)
    items = [
        {"url": first.page.url, "quote": Quote("teh", "It was ", " best of", 7, 10), "comment": "zanzibar"},
        {"url": first.page.url, "quote": Quote("teh", "It was ", " best of", 7, 10), "comment": "quokka"},
        {
            "url": second.page.url,
            "quote": Quote("recieve", "It was ", " best of", 40, 47),
            "suggestion": "receive",
        },
    ]
    with transaction.atomic():
        assert [d for _, _, d in record_reports(site, items)] == [True, True, True]
    assert shown(logged_in, "?q=zanzibar") == shown(logged_in, "?q=quokka") == ["teh"]
    assert shown(logged_in, "?q=receive") == ["recieve"]


def test_search_index_forgets_deleted_findings_and_reports(logged_in, site):
    f = report(site, "teh", comment="zanzibar")
    report(site, "other", start=30, comment="zanzibar too")
    assert sorted(shown(logged_in, "?q=zanzibar")) == ["other", "teh"]
    f.delete()
    assert shown(logged_in, "?q=zanzibar") == ["other"]
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT COUNT(*) FROM findings_finding_search WHERE finding_id = %s", [f.pk])
            assert c.fetchone()[0] == 0


def test_every_inbox_query_is_one_index_walk(site, editor, rf):
    """The SQL the inbox runs for each filter uses an index for the order (no sort of all rows)."""
    from django.db import connection

    report(site, lang="en", suggestion="x")
    request = rf.get(INBOX)
    request.user = editor
    for query in ({}, {"lang": "en"}, {"suggested": "1"}, {"status": "fixed"}):
        request.GET = request.GET.copy()
        request.GET.clear()
        request.GET.update(query)
        filters = inbox.parse(request, [site])
        for sql, params in inbox.inbox_queries(filters, cursor=(1, timezone.now(), 10)):
            with connection.cursor() as c:
                if connection.vendor == "sqlite":
                    c.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = " ".join(str(row[-1]) for row in c.fetchall())
                    assert "INDEX finding_desk" in plan and "TEMP B-TREE" not in plan, (query, plan)
                else:
                    # A table of one row gives the planner no reason to prefer any plan (a walk
                    # of another index plus a sort of that one row cost the same, and was chosen
                    # once with two test processes on the server): with scans and sorts priced
                    # out, it walks an index in the query's order if one exists.
                    c.execute("SET enable_seqscan = off")
                    c.execute("SET enable_sort = off")
                    c.execute("EXPLAIN " + sql, params)
                    plan = " ".join(row[0] for row in c.fetchall())
                    c.execute("RESET enable_seqscan")
                    c.execute("RESET enable_sort")
                    assert "finding_desk" in plan and "Sort" not in plan, (query, plan)
