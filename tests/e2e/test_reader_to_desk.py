"""The whole loop, as people do it: readers report the mistakes of a real news article with the
keyboard, and an editor finds each of them in the desk.

A real `typodesk serve` process on 127.0.0.1, the article served by another web server on
`localhost` (so the widget's requests are cross-origin, as on a real site), Debian's Chromium.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.pageserver import PageServer
from tests.widget.helpers import context_after, context_before
from typodesk.text import canonical_text
from typodesk.text.excerpt import words_after, words_before

pytestmark = pytest.mark.browser
PASSWORD = "editor-password-for-tests"

# Selects the occurrence of `exact` that the canonical text shows right after `prefix`:
# text nodes of the article, joined, with white space collapsed for the comparison.
SELECT_JS = """
([exact, prefix]) => {
  const root = document.querySelector('article');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let all = '';
  for (let n; (n = walker.nextNode());) { nodes.push([n, all.length]); all += n.data; }
  const squash = s => s.replace(/[\\s\\u00a0]+/g, ' ');
  let at = -1;
  for (let i = all.indexOf(exact); i >= 0; i = all.indexOf(exact, i + 1)) {
    if (squash(all.slice(0, i)).endsWith(squash(prefix))) { at = i; break; }
  }
  if (at < 0) throw new Error('not found: ' + exact);
  const locate = off => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= off) return [nodes[k][0], off - nodes[k][1]]; };
  const [sn, so] = locate(at), [en, eo] = locate(at + exact.length);
  const range = document.createRange(); range.setStart(sn, so); range.setEnd(en, eo);
  const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range);
  return sel.toString();
}
"""


@pytest.fixture
def newsroom(install, shared_dir):
    """A typodesk installation with an editor and a site on `localhost`, and the article page."""
    install.run("init")
    install.run("createuser", "editor@news.example", "--password-stdin", input=PASSWORD + "\n")
    key = install.run(
        "site", "add", "News Example", "--domain", "localhost", "--owner", "editor@news.example"
    ).stdout.strip()
    _, desk = install.serve()
    html = (shared_dir / "fixtures" / "news-article.html").read_text()
    tag = f'<script src="{desk}/widget.js" data-site="{key}" defer></script>'
    page_html = html.replace("</body>", tag + "\n</body>")
    errors = json.loads((shared_dir / "fixtures" / "news-article.errors.json").read_text())
    with PageServer({"/en/article.html": page_html}) as site:
        yield {
            "desk": desk,
            "key": key,
            "article": site.url("/en/article.html"),
            "errors": errors,
            "html": html,
        }


def report_with_keyboard(page, exact: str, prefix: str, suggestion: str) -> dict:
    selected = page.evaluate(SELECT_JS, [exact, prefix])
    assert selected == exact
    page.keyboard.press("Control+Enter")
    dialog = page.locator("typodesk-widget dialog[open]")
    dialog.wait_for(state="visible", timeout=5000)
    # The suggestion field has the focus and is pre-filled with the selection, selected: the
    # reader's typing replaces it.
    focused = page.evaluate(
        "() => { const a = document.querySelector('typodesk-widget').shadowRoot.activeElement;"
        " return a && [a.tagName, a.value, a.selectionStart, a.selectionEnd]; }"
    )
    assert focused in (["TEXTAREA", exact, 0, len(exact)], ["INPUT", exact, 0, len(exact)]), focused
    page.keyboard.type(suggestion)
    with page.expect_response(re.compile(r"/api/v1/reports$")) as resp:
        page.keyboard.press("Control+Enter")
    assert resp.value.status == 201, resp.value.text()
    # The reader is thanked (a new mistake, or one the editors already know of).
    dialog.get_by_role("status").filter(has_text=re.compile("Thank you|already")).wait_for(timeout=5000)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5000)
    # Closing gives the focus back to the page (and the reader's selection back to them).
    page.wait_for_function("() => document.activeElement !== document.querySelector('typodesk-widget')")
    return resp.value.json()


def test_readers_report_every_mistake_and_the_editor_finds_them(newsroom, context):
    page = context.new_page()
    page.goto(newsroom["article"])
    canon = canonical_text(newsroom["html"])
    answers = [
        report_with_keyboard(page, e["exact"], e["prefix"], e["suggestion"]) for e in newsroom["errors"]
    ]
    assert [a["duplicate"] for a in answers] == [False] * len(answers)
    assert len({a["finding"] for a in answers}) == len(answers)

    # A second reader reports the first mistake again: the count rises, no new finding.
    page2 = context.new_page()
    page2.goto(newsroom["article"])
    first = newsroom["errors"][0]
    again = report_with_keyboard(page2, first["exact"], first["prefix"], first["suggestion"])
    assert again["duplicate"] is True and again["finding"] == answers[0]["finding"]

    # The editor logs in and finds every one, with the right quote and context.
    desk = context.new_page()
    desk.goto(newsroom["desk"] + "/desk/")
    desk.get_by_label("E-mail").fill("editor@news.example")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.wait_for_url(re.compile(r"/desk/$"))
    items = desk.locator("ol.findings > li")
    assert items.count() == len(newsroom["errors"])
    for err, answer in zip(newsroom["errors"], answers, strict=True):
        item = desk.locator(f'li[data-finding="{answer["finding"]}"]')
        assert item.locator("mark").inner_text() == err["exact"]
        start = (
            canon.index(err["prefix"] + err["exact"]) + len(err["prefix"])
            if err["prefix"]
            else canon.index(err["exact"])
        )
        # The widget's context (whole words), shown in whole words.
        expected_prefix = words_before(context_before(canon, start))
        expected_suffix = words_after(context_after(canon, start + len(err["exact"])))
        quote = item.locator("a.fix").get_attribute("title")  # the one-line row: context on hover
        assert (
            quote == ("…" + expected_prefix if expected_prefix else "") + err["exact"] + expected_suffix + "…"
        )
        assert item.locator(".fix ins").inner_text() == err["suggestion"]
        # The first mistake's two reports come from the same browser on the same day: one reader.
        assert item.locator(".count").inner_text() == "1 reader"
        if err is first:
            assert item.locator(".count").get_attribute("title") == "2 reports from 1 reader"

    # The finding page shows the reports; the editor marks the mistake fixed.
    desk.locator(f'li[data-finding="{answers[0]["finding"]}"] a.title').click()
    assert desk.locator("ol.reports > li").count() == 2
    desk.get_by_role("button", name="Mark fixed").click()
    assert "Fixed" in desk.locator(".finding-main .badge").inner_text()
    desk.goto(newsroom["desk"] + "/desk/")
    assert desk.locator("ol.findings > li").count() == len(newsroom["errors"]) - 1
