"""Public corrections, the whole way, as people do it, in two languages.

A real `typodesk serve`, two sites (an English one on `localhost`, a Turkish one on `127.0.0.1`),
their articles served by another web server with `data-corrections="on"` on the widget's script
tag, Debian's Chromium. Readers report a mistake on each article; the editor publishes a
correction from each finding's page; the corrections page, its Atom feed (read by feedparser) and
the note under each article show it, each in its site's or page's language; withdrawing the
English one removes it from all three.

With ``TYPODESK_CORRECTIONS_SCREENSHOT=FILE`` the test saves the English corrections page there
(docs/corrections.png is made with it).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import axe_playwright_python
import feedparser
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pageserver import PageServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "editor-password-for-tests"
DIALOG = "typodesk-widget dialog[open]"
FILLER = "<p>" + "The council will review the report at its next meeting, officials said. " * 12 + "</p>"


def article(lang: str, title: str, body: str, desk: str, key: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><main><article><h1>{title}</h1><p>{body}</p>{FILLER * 8}</article></main>"
        "<footer><p>News footer</p></footer>"
        f'<script src="{desk}/widget.js" data-site="{key}" data-corrections="on" defer></script>'
        "</body></html>"
    )


@pytest.fixture
def newsroom(install):
    install.run("init")
    install.run("createuser", "editor@news.example", "--password-stdin", input=PASSWORD + "\n")
    owner = ("--owner", "editor@news.example")
    en = install.run("site", "add", "News Example", "--domain", "localhost", *owner).stdout.strip()
    tr = install.run("site", "add", "Haberler", "--domain", "127.0.0.1", *owner).stdout.strip()
    _, desk = install.serve()
    pages = {
        "/en/bridge.html": article(
            "en", "The bridge", "The old bridge was destructed in the storm on Monday night.", desk, en
        ),
        "/tr/kopru.html": article(
            "tr", "Köprü", "Eski köprü 1923 yılında yapıldı ve fırtınada yıkıldı.", desk, tr
        ),
    }
    with PageServer(pages) as server:
        yield {
            "desk": desk,
            "en": en,
            "tr": tr,
            "en_article": server.url("/en/bridge.html"),
            "tr_article": server.url("/tr/kopru.html", host="127.0.0.1"),
        }


def select_word(page: Page, word: str) -> None:
    page.evaluate(
        """(word) => {
            const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
            for (let n; (n = walker.nextNode());) {
                const i = n.data.indexOf(word);
                if (i < 0) continue;
                const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + word.length);
                getSelection().removeAllRanges(); getSelection().addRange(r);
                return;
            }
            throw new Error('not found: ' + word);
        }""",
        word,
    )


def report(page: Page, word: str, suggestion: str) -> int:
    select_word(page, word)
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    page.keyboard.type(suggestion)
    with page.expect_response(re.compile(r"/api/v1/reports$")) as resp:
        page.keyboard.press("Control+Enter")
    assert resp.value.status == 201, resp.value.text()
    return resp.value.json()["finding"]


def open_article(context, url: str) -> tuple[Page, list[str]]:
    """The article in a tab, with the desk addresses it asked for; waits for the corrections."""
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/corrections" in r.url else None)
    with page.expect_response(re.compile(r"/api/v1/sites/\w+/corrections\?url=")) as resp:
        page.goto(url)
    assert resp.value.status == 200
    page.wait_for_load_state("networkidle")
    return page, asked


AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core, as that package ships it


def axe(page: Page) -> list[dict]:
    """axe-core's violations in the page (open shadow roots included), condensed."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)})))"""
    )


def note_of(page: Page):
    return page.locator("article > typodesk-corrections")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Cache-Control"] == "public, max-age=60" and r.headers["ETag"]
        return r.read()


def publish_from_the_finding_page(desk: Page, base: str, finding: int, kind: str, expected_text: str) -> None:
    desk.goto(f"{base}/desk/findings/{finding}/")
    box = desk.locator("section.correction-box")
    box.locator("summary", has_text="Publish a correction").click()
    expect(box.get_by_label("Text of the correction")).to_have_value(expected_text)
    box.get_by_role("radio", name=kind).check()
    box.get_by_role("button", name="Publish the correction").click()
    expect(desk.locator(".messages")).to_contain_text("The correction is published.")
    expect(desk.locator(".finding-main .badge")).to_have_text("Fixed")
    expect(box.locator(".correction-history")).to_contain_text("editor@news.example")


def test_a_correction_goes_public_everywhere_and_is_withdrawn_everywhere(newsroom, browser, tmp_path):
    base = newsroom["desk"]
    reader = browser.new_context()

    # Before any correction: the note asks once, finds none and draws nothing.
    page, asked = open_article(reader, newsroom["en_article"])
    assert len([u for u in asked if "/api/v1/" in u]) == 1
    expect(note_of(page)).to_have_count(0)
    en_finding = report(page, "destructed", "destroyed")
    page, _ = open_article(reader, newsroom["tr_article"])
    tr_finding = report(page, "1923", "1924")
    reader.close()

    # The editor: the Turkish site speaks Turkish; a correction on each finding.
    editor = browser.new_context()
    desk = editor.new_page()
    desk.goto(base + "/desk/")
    desk.get_by_label("E-mail").fill("editor@news.example")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.wait_for_url(re.compile(r"/desk/$"))
    desk.goto(f"{base}/desk/sites/{newsroom['tr']}/")
    desk.get_by_label("Default language").select_option("tr")
    desk.get_by_role("button", name="Save", exact=True).click()
    publish_from_the_finding_page(
        desk,
        base,
        en_finding,
        "Correction",
        "An earlier version of this article said “destructed”; it now says “destroyed”.",
    )
    publish_from_the_finding_page(
        desk,
        base,
        tr_finding,
        "Clarification",
        "Bu haberin önceki bir sürümünde “1923” yazıyordu; şimdi “1924” yazıyor.",
    )

    # The corrections pages, as anyone sees them (no login).
    public = browser.new_context()
    log = public.new_page()
    log.goto(f"{base}/c/{newsroom['en']}/")
    expect(log.locator("h1")).to_have_text("Corrections")
    item = log.locator("ol.log > li")
    expect(item).to_have_count(1)
    expect(item.get_by_role("link", name="The bridge")).to_have_attribute("href", newsroom["en_article"])
    expect(item).to_contain_text("said “destructed”; it now says “destroyed”.")
    expect(item.locator(".kind")).to_have_text("Correction")
    assert axe(log) == []
    if os.environ.get("TYPODESK_CORRECTIONS_SCREENSHOT"):
        log.set_viewport_size({"width": 900, "height": 560})
        log.screenshot(path=os.environ["TYPODESK_CORRECTIONS_SCREENSHOT"])
    log.goto(f"{base}/c/{newsroom['tr']}/")
    assert log.locator("html").get_attribute("lang") == "tr"
    expect(log.locator("h1")).to_have_text("Düzeltmeler")
    expect(log.locator("ol.log .kind")).to_have_text("Açıklama")
    expect(log.locator("ol.log")).to_contain_text("şimdi “1924” yazıyor")
    assert "reports" not in log.content() and "@" not in log.locator("main").inner_text()

    # The feeds, read by a feed parser.
    feed = feedparser.parse(fetch(f"{base}/c/{newsroom['en']}/feed.atom"))
    assert not feed.bozo and feed.version == "atom10"
    assert [(e.title, e.link) for e in feed.entries] == [("Correction: The bridge", newsroom["en_article"])]
    assert "it now says “destroyed”" in feed.entries[0].summary
    feed = feedparser.parse(fetch(f"{base}/c/{newsroom['tr']}/feed.atom"))
    assert feed.feed.title == "Düzeltmeler: Haberler" and feed.feed.language == "tr"
    assert [e.title for e in feed.entries] == ["Açıklama: Köprü"]

    # The JSON-LD a CMS embeds.
    ld = json.loads(fetch(f"{base}/api/v1/sites/{newsroom['en']}/corrections?url={newsroom['en_article']}"))[
        "jsonld"
    ]
    assert ld["correction"][0]["@type"] == "CorrectionComment"

    # The note under each article, in the page's language, at the end of the text: the reader's
    # view (the article's start; its end is below the fold) does not move.
    page, asked = open_article(public, newsroom["en_article"])
    assert len([u for u in asked if "/api/v1/" in u]) == 1
    note = note_of(page)
    # Layout shifts without a reader's input, since the page started loading (none: the start of
    # the article stays where it is while the note arrives at its end, below the fold).
    shift = page.evaluate(
        """() => new Promise(done => {
            new PerformanceObserver(list => done(list.getEntries().filter(e => !e.hadRecentInput)
                .reduce((s, e) => s + e.value, 0))).observe({type: 'layout-shift', buffered: true});
            setTimeout(() => done(0), 500);
        })"""
    )
    assert shift == 0
    summary = note.locator("summary")
    expect(summary).to_have_text(
        re.compile(r"^This article was corrected on (\w+\s\d+,\s|\d+\s\w+\s)2\d{3}$")
    )
    expect(note.locator("aside")).to_have_attribute("aria-label", "Corrections")
    expect(note.locator("li")).to_be_hidden()
    assert axe(page) == []
    summary.focus()
    page.keyboard.press("Enter")  # a <details>: the keyboard opens it as a click does
    expect(note.locator("li")).to_contain_text("Correction, ")
    expect(note.locator("li")).to_contain_text("it now says “destroyed”.")
    assert axe(page) == []
    last_paragraph = page.locator("article > p").last.bounding_box()
    assert note.bounding_box()["y"] >= last_paragraph["y"] + last_paragraph["height"]
    assert "destroyed" not in page.evaluate("() => document.querySelector('article').innerText")
    page, _ = open_article(public, newsroom["tr_article"])
    expect(note_of(page).locator("summary")).to_have_text(
        re.compile(r"^Bu habere \d+\s\S+\s2\d{3} tarihinde açıklama eklendi$")  # 5 Aralık 2026
    )
    public.close()

    # Withdrawn: gone from the page, the feed, the JSON and the article.
    desk.goto(f"{base}/desk/findings/{en_finding}/")
    desk.get_by_role("button", name="Withdraw the correction").click()
    expect(desk.locator(".messages")).to_contain_text("withdrawn")
    expect(desk.locator(".correction-history")).to_contain_text("withdrew")
    later = browser.new_context()
    log = later.new_page()
    log.goto(f"{base}/c/{newsroom['en']}/")
    expect(log.locator("ol.log > li")).to_have_count(0)
    expect(log.locator("main")).to_contain_text("No corrections have been published yet.")
    assert feedparser.parse(fetch(f"{base}/c/{newsroom['en']}/feed.atom")).entries == []
    assert json.loads(fetch(f"{base}/c/{newsroom['en']}/corrections.json"))["corrections"] == []
    page, _ = open_article(later, newsroom["en_article"])
    expect(note_of(page)).to_have_count(0)
    page, _ = open_article(later, newsroom["tr_article"])  # the other site's is still there
    expect(note_of(page)).to_have_count(1)
    later.close()
    editor.close()
