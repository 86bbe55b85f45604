"""The shared news article: every mistake listed in news-article.errors.json, selected and reported
with the keyboard, must carry the quote the Python canonical text gives for the same HTML, with a
context the server's anchoring locates; and its legacy Orphus badge tells how to report."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import context_after, context_before
from typodesk.anchoring import verify
from typodesk.text import canonical_text

pytestmark = pytest.mark.browser


def test_every_listed_mistake(page, servers, shared_dir, select):
    html = (shared_dir / "fixtures" / "news-article.html").read_text(encoding="utf-8")
    errors = json.loads((shared_dir / "fixtures" / "news-article.errors.json").read_text(encoding="utf-8"))
    served = html.replace(
        "</body>", f'<script src="{servers.desk}/widget.js" data-site="news" defer></script>\n</body>'
    )
    url = servers.add_page("/en/article.html", served)
    posted = []
    page.route(
        f"{servers.desk}/api/v1/reports",
        lambda route: (
            posted.append(json.loads(route.request.post_data)),
            route.fulfill(
                status=201,
                body='{"id": 1, "finding": 1, "duplicate": false}',
                headers={"Access-Control-Allow-Origin": servers.site},
            ),
        ),
    )
    page.goto(url)
    page.wait_for_function("() => window.typodesk !== undefined")
    text = canonical_text(html)
    assert page.evaluate("() => typodesk.canonicalText()") == text

    for err in errors:
        exact, prefix = err["exact"], err["prefix"]
        start = text.index(prefix + exact) + len(prefix)  # the occurrence right after its prefix
        nth = text[:start].count(exact)
        assert select(exact, nth, "article") == exact
        end = start + len(exact)
        expected = {
            "exact": exact,
            "prefix": context_before(text, start),
            "suffix": context_after(text, end),
            "start": start,
            "end": end,
        }
        assert page.evaluate("() => typodesk.capture()") == expected

        page.keyboard.press("Control+Enter")
        expect(page.get_by_label("Suggested correction")).to_have_value(exact)
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(err["suggestion"])
        page.keyboard.press("Control+Enter")
        expect(page.locator("typodesk-widget dialog[open]").get_by_role("status")).to_contain_text(
            "Thank you"
        )
        page.keyboard.press("Escape")
        expect(page.locator("typodesk-widget dialog[open]")).to_have_count(0)
        assert posted[-1]["quote"] == expected
        # The context, now in whole words, still locates the quote: on the page as it was, and on
        # the page with a paragraph added above it.
        found = verify(expected, text)
        assert (found["verdict"], found["start"]) == ("present", start)
        moved = verify(expected, "A new first paragraph, added later. " + text)
        assert (moved["verdict"], moved["start"]) == ("present", start + 36)
        assert posted[-1]["suggestion"] == err["suggestion"]
        assert posted[-1]["lang"] == "en" and posted[-1]["site"] == "news"
    assert len(posted) == len(errors)

    # Its footer still has the Orphus badge: now a "how to report" link.
    badge = page.locator("#orphus")
    expect(badge).to_have_attribute("title", "Found a mistake? Select it and press Ctrl+Enter.")
    page.evaluate("() => getSelection().removeAllRanges()")
    badge.click()
    expect(page.locator("typodesk-widget dialog[open]").get_by_role("status")).to_have_text(
        "Found a mistake? Select it and press Ctrl+Enter."
    )
