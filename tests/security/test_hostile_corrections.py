"""The hostile corpus in every field of a public correction, and out through everything public:
the corrections page, its Atom feed, its JSON and a page's corrections (JSON-LD) in the API.

Every string is escaped where it lands (HTML, XML, JSON that a CMS may paste into a <script>),
and nothing private ever shows: not the readers' suggestions, comments, addresses or page titles,
not the editors' note, not the editors' own addresses.
"""

from __future__ import annotations

import html
import json

import feedparser
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.security.hostile import XSS, string_corpus
from typodesk.corrections.models import TITLE_MAX
from typodesk.corrections.public import printable
from typodesk.corrections.services import publish
from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report, set_status

pytestmark = pytest.mark.django_db

PRIVATE = [
    "READER-SUGGESTION",
    "READER-COMMENT",
    "reader@leak.example",
    "READER-TITLE",
    "EDITOR-NOTE",
    "editor@",
]
DANGEROUS_TAGS = [
    "script",
    "iframe",
    "img",
    "svg",
    "object",
    "style",
    "link[href*='evil']",
    "form",
    "input",
    "video",
]


@pytest.fixture
def hostile_site(make_site, make_user):
    editor = make_user("editor@news.example")
    site = make_site(name=XSS[1] + " News", members=[(editor, "editor")])
    site.allow_reader_email = True
    site.save()
    corpus = string_corpus()
    for i, text in enumerate(corpus):
        f = record_report(
            site,
            url=f"https://news.example/story-{i}/{text[:40]}?q=<b>",
            quote=Quote(XSS[i % len(XSS)][:60], "", "", 0, len(XSS[i % len(XSS)][:60])),
            title=f"READER-TITLE {text[:100]}",
            suggestion=f"READER-SUGGESTION {text[:100]}",
            comment=f"READER-COMMENT {text}",
            email="reader@leak.example",
            client_hash="CLIENTHASH",
        ).finding
        set_status(f, Finding.Status.NEW, editor, note=f"EDITOR-NOTE {text}")
        kind = "clarification" if i % 2 else "correction"
        publish(f, editor, text=text, kind=kind, title=text[:TITLE_MAX])
    return site, corpus


def no_private(raw: str) -> None:
    for marker in PRIVATE:
        assert marker not in raw, marker


def test_the_public_page_escapes_everything_and_shows_nothing_private(client, hostile_site):
    site, corpus = hostile_site
    shown_texts, shown_titles = [], []
    for number in (1, 2, 3):
        r = client.get(f"/c/{site.public_key}/?page={number}")
        if r.status_code == 404:
            break
        raw = r.content.decode()
        no_private(raw)
        tree = HTMLParser(raw)
        for selector in DANGEROUS_TAGS:
            assert tree.css(selector) == [], selector
        for node in tree.css("*"):
            assert not any(name.lower().startswith("on") for name in node.attributes), node.html
            if node.tag == "a":
                assert node.attributes["href"].startswith(("https://news.example/", "?page=", "/c/")), (
                    node.html
                )
        shown_texts += [n.text() for n in tree.css("ol.log p.text")]
        shown_titles += [n.text() for n in tree.css("ol.log h2")]
        assert tree.css_first("p.site").text() == printable(site.name)
    assert sorted(shown_texts) == sorted(printable(t) for t in corpus)
    assert sorted(shown_titles) == sorted(printable(t[:TITLE_MAX]) for t in corpus)


def test_the_feed_escapes_everything_and_shows_nothing_private(client, hostile_site):
    site, corpus = hostile_site
    raw = client.get(f"/c/{site.public_key}/feed.atom").content
    no_private(raw.decode())
    assert b"<script" not in raw.lower() and b"<img" not in raw.lower()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == len(corpus)
    expected = {printable(t) for t in corpus}
    # Summaries are HTML (Atom's type="html") whose text is the correction's text: a feed reader
    # shows "<script>…" as text.
    assert {html.unescape(e.summary) for e in feed.entries} == expected
    for e in feed.entries:
        assert "<script" not in e.summary and "<img" not in e.summary
        assert e.link.startswith("https://news.example/story-")


def test_the_json_forms_escape_everything_and_show_nothing_private(client, hostile_site):
    site, corpus = hostile_site
    texts = []
    for number in (1, 2, 3):
        r = client.get(f"/c/{site.public_key}/corrections.json?page={number}")
        if r.status_code == 404:
            break
        raw = r.content.decode()
        no_private(raw)
        assert "<" not in raw and ">" not in raw  # safe to paste into a <script> element
        data = json.loads(raw)
        assert set(data["corrections"][0]) == {"id", "kind", "title", "url", "text", "published", "updated"}
        texts += [c["text"] for c in data["corrections"]]
    assert sorted(texts) == sorted(printable(t) for t in corpus)
    for i, text in enumerate(corpus[:8]):
        url = f"https://news.example/story-{i}/{text[:40]}?q=<b>"
        r = client.get(f"/api/v1/sites/{site.public_key}/corrections", {"url": url})
        assert r.status_code == 200, r.content
        raw = r.content.decode()
        no_private(raw)
        assert "<" not in raw and ">" not in raw
        data = json.loads(raw)
        assert [c["text"] for c in data["corrections"]] == [printable(text)]
        assert data["jsonld"]["correction"][0]["text"] == printable(text)
