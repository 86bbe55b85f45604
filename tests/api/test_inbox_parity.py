"""The API can do what the desk's inbox does: the inbox's filter form (as rendered) and the
OpenAPI parameters of GET /api/v1/findings have the same names and values, and the same query
gives the same findings in the same order through both."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests.api.conftest import assert_error, report
from typodesk.findings.query import LEGACY_SORTS

pytestmark = pytest.mark.django_db
PAGING = {"limit", "cursor"}  # the API's paging; the desk pages by links (after, before)


class FormReader(HTMLParser):
    """The inbox's filter form: each field's name, and the values of its selects' options; the
    status tabs' values from their links."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.select = None
        self.fields: dict[str, list[str]] = {}
        self.statuses: list[str] = []
        self.in_tabs = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("role") == "search":
            self.in_form = True
        elif tag == "nav" and "tabs" in (a.get("class") or ""):
            self.in_tabs = True
        elif self.in_tabs and tag == "a":
            self.statuses.append(parse_qs(urlsplit(a["href"]).query).get("status", ["open"])[0])
        elif self.in_form and tag in ("input", "select") and a.get("name"):
            self.fields.setdefault(a["name"], [])
            if tag == "select":
                self.select = a["name"]
        elif self.in_form and tag == "option" and self.select:
            self.fields[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "nav":
            self.in_tabs = False


@pytest.fixture
def desk_form(client, people, site, make_site):
    make_site(name="Second", domains=["second.example"], members=[(people["editor"], "editor")])
    client.force_login(people["editor"])
    html = client.get("/desk/", {"status": "fixed"}).content.decode()  # status: a hidden field
    reader = FormReader()
    reader.feed(html)
    return reader


@pytest.fixture
def api_parameters(client):
    doc = client.get("/api/v1/openapi.json").json()
    return {p["name"]: p for p in doc["paths"]["/api/v1/findings"]["get"]["parameters"]}


def enum(parameter: dict) -> list[str]:
    schema = parameter["schema"]
    if "enum" in schema:
        return schema["enum"]
    return [v for s in schema.get("anyOf", []) for v in s.get("enum", [])]


def test_the_api_takes_every_inbox_filter_under_the_same_name(desk_form, api_parameters):
    current = {name for name, p in api_parameters.items() if not p.get("deprecated")}
    assert set(desk_form.fields) == current - PAGING
    assert set(desk_form.fields) == {
        "q",
        "site",
        "status",
        "sort",
        "page",
        "lang",
        "since",
        "until",
        "suggested",
    }
    assert api_parameters["url"].get("deprecated") is True  # the older name of "page"


def test_the_api_sorts_and_statuses_are_the_inboxs(desk_form, api_parameters):
    api_sorts = enum(api_parameters["sort"])
    assert [s for s in api_sorts if s not in LEGACY_SORTS] == desk_form.fields["sort"]
    assert desk_form.fields["sort"] == ["reports", "newest", "oldest", "recent", "page"]
    assert enum(api_parameters["status"]) == desk_form.statuses
    assert api_parameters["sort"]["schema"]["default"] == "reports"  # the inbox's order by default
    # The other values: the dates are dates, "suggested" is a box, the site a site's key.
    assert api_parameters["since"]["schema"].get("format") == "date" or any(
        s.get("format") == "date" for s in api_parameters["since"]["schema"].get("anyOf", [])
    )
    assert api_parameters["suggested"]["schema"]["type"] == "boolean"


def ids_of(r) -> list[int]:
    assert r.status_code == 200, r.content[:300]
    return [f["id"] for f in r.json()["items"]]


def desk_ids(client, query: dict) -> list[int]:
    r = client.get("/desk/", query)
    assert r.status_code == 200, r.content.decode()[:300]
    return [int(pk) for pk in re.findall(r'data-finding="(\d+)"', r.content.decode())]


def test_the_same_query_lists_the_same_findings_in_both(client, api, people, site):
    now = timezone.now()
    old = report(site, "old", 1, when=now - dt.timedelta(days=5), lang="en", comment="zanzibar")
    report(site, "old", 1, when=now - dt.timedelta(minutes=5), lang="en")
    report(site, "teh", 20, url="https://news.example/budget", title="Council budget", suggestion="the")
    report(site, "wich", 40, url="https://news.example/budget", title="Council budget", lang="ru")
    report(site, "recieve", 60, when=now - dt.timedelta(days=2), lang="en", suggestion="receive")
    client.force_login(people["editor"])
    editor = api("editor")
    day = timezone.localdate()
    queries = [
        {},
        {"sort": "newest"},
        {"sort": "oldest"},
        {"sort": "recent"},
        {"sort": "page"},
        {"q": "zanzibar"},
        {"q": "council", "sort": "page"},  # a word of the page's title
        {"lang": "en", "sort": "oldest"},
        {"suggested": "1"},
        {"since": (day - dt.timedelta(days=1)).isoformat(), "until": day.isoformat()},
        {"page": "https://news.example/budget?utm_source=x"},
        {"status": "all", "sort": "newest"},
    ]
    for query in queries:
        through_api = ids_of(
            editor.get("/findings", {**query, "suggested": "true"} if "suggested" in query else query)
        )
        assert through_api == desk_ids(client, query), query
        assert through_api, query
    assert ids_of(editor.get("/findings", {"sort": "oldest"}))[0] == old.pk


def test_the_apis_filters_answer_400s_naming_the_parameter(api, site):
    editor = api("editor")
    report(site)
    assert_error(editor.get("/findings", {"sort": "title"}), 400, "sort")
    assert_error(editor.get("/findings", {"since": "yesterday"}), 400, "since")
    assert_error(editor.get("/findings", {"since": "2025-05-02", "until": "2025-05-01"}), 400, "since")
    assert_error(editor.get("/findings", {"since": "0001-01-01"}), 400, "since")
    assert_error(editor.get("/findings", {"lang": "e n"}), 400, "lang")
    assert_error(editor.get("/findings", {"q": "***"}), 400, "q")
    assert_error(editor.get("/findings", {"page": "not a url"}), 400, "page")
    assert_error(editor.get("/findings", {"url": "ftp://x"}), 400, "url")
    cursor = editor.get("/findings", {"limit": 1, "sort": "page"}).json()["next_cursor"]
    assert cursor is None  # one finding
    report(site, "wich", 30)
    cursor = editor.get("/findings", {"limit": 1, "sort": "page"}).json()["next_cursor"]
    assert_error(editor.get("/findings", {"cursor": cursor, "sort": "newest"}), 400, "cursor")
    assert len(ids_of(editor.get("/findings", {"cursor": cursor, "sort": "page", "limit": 1}))) == 1
