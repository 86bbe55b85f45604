"""Hostile correction texts in the note under the article, in a real browser: shown as text, no
script runs, nothing is injected into the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pageserver import PageServer
from tests.security.hostile import TEXT, XSS
from typodesk.corrections.public import printable
from typodesk.corrections.services import publish
from typodesk.findings.services import Quote, record_report

pytestmark = pytest.mark.browser


def test_hostile_corrections_cannot_script_the_article(
    live_server, transactional_db, make_site, make_user, context
):
    editor = make_user("editor@news.example", None)
    site = make_site(name="News", domains=("localhost",), members=[(editor, "editor")])
    texts = XSS + TEXT[:7]
    with PageServer({}) as server:
        url = server.url("/story.html")
        server.pages["/story.html"] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story</title></head><body>'
            "<article><h1>Story</h1><p>" + " ".join(f"word{i}" for i in range(len(texts))) + "</p></article>"
            f'<script src="{live_server.url}/widget.js" data-site="{site.public_key}" data-corrections="on" defer>'
            "</script></body></html>"
        )
        for i, text in enumerate(texts):
            f = record_report(site, url=url, quote=Quote(f"word{i}", "", "", 0, 5), title="Story").finding
            publish(f, editor, text=text, kind="correction")
        page = context.new_page()
        page.goto(url)
        note = page.locator("article > typodesk-corrections")
        expect(note.locator("summary")).to_have_text(re.compile("^This article was corrected on"))
        note.locator("summary").click()
        items = note.locator("li")
        expect(items).to_have_count(len(texts))
        shown = sorted(t.split(": ", 1)[1] for t in items.all_text_contents())
        assert shown == sorted(printable(t) for t in texts)
        assert page.evaluate("() => window.__pwned") is None
        # Nothing but the note's own elements in its shadow root: no element came from a text.
        tags = page.evaluate(
            "() => [...document.querySelector('typodesk-corrections').shadowRoot.querySelectorAll('*')]"
            ".map(e => e.tagName.toLowerCase())"
        )
        assert set(tags) == {"aside", "details", "summary", "ul", "li", "b"}
        assert page.locator("article script, article img, article iframe, article svg").count() == 0
