"""The quote a report carries, end to end in Chromium: select text in a fixture page (a DOM Range,
or the mouse), press Ctrl+Enter, press Ctrl+Enter again in the dialog, and compare the posted JSON
with what the Python canonical text of the same HTML says. The matrix covers inline markup,
paragraphs, <br>, NBSP, soft hyphens, emoji (offsets in code points), NFD text, hidden text,
white space at the ends, text outside the root, Azerbaijani, Russian, Turkish, Ukrainian and
right-to-left text, and the widget's own hint line (never part of the text)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG, THANKS, context_after, context_before
from typodesk.text import canonical_text

pytestmark = pytest.mark.browser


def quote(text: str, exact: str, nth: int = 0) -> dict:
    """The expected quote: the nth occurrence of ``exact`` in canonical ``text``, code points."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(exact, start + 1)
    end = start + len(exact)
    return {
        "exact": exact,
        "prefix": context_before(text, start),
        "suffix": context_after(text, end),
        "start": start,
        "end": end,
    }


def send_report(page, api, suggestion: str | None = None, comment: str | None = None) -> dict:
    """Ctrl+Enter on the current selection, optionally edit the fields, Ctrl+Enter to send."""
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    if suggestion is not None:
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(suggestion)
    if comment is not None:
        page.get_by_label("Comment (optional)").fill(comment)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#td-s")).to_be_hidden()  # the thank-you, in whatever language
    return api.payloads[-1]


def test_plain_word_full_payload(page, api, open_page, select):
    html = open_page("article.html")
    assert select("jumpd") == "jumpd"
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    # Focus is in the pre-filled suggestion field; the sentence is shown with the selection marked.
    assert (
        page.evaluate("() => document.querySelector('typodesk-widget').shadowRoot.activeElement.id") == "td-s"
    )
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")
    # Its own paragraph only, not the heading above it.
    expect(dialog.locator(".q")).to_have_text("The quick brown fox jumpd over the lazy dog.")
    expect(dialog.locator("mark")).to_have_text("jumpd")
    expect(dialog).to_have_accessible_name("Report a mistake")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("jumped")
    page.get_by_label("Comment (optional)").fill("  past tense  ")
    page.get_by_label("Comment (optional)").press("Control+Enter")
    expect(page.locator("#td-m")).to_have_text(THANKS)
    # The time from opening the dialog to sending, in ms, and the empty honeypot (docs/abuse.md).
    payloads = api.payloads
    elapsed = payloads[0].pop("elapsed")
    assert isinstance(elapsed, int) and elapsed >= 0
    assert payloads == [
        {
            "site": "test-site-key",
            "url": page.url,
            "title": "Widget test article",
            "lang": "en",
            "quote": quote(canonical_text(html), "jumpd"),
            "suggestion": "jumped",
            "comment": "past tense",
            "website": "",
        }
    ]
    # text/plain: a "simple" cross-origin request, so no preflight.
    assert [m for m, _, _ in api.requests] == ["POST"]
    assert api.requests[0][1]["content-type"] == "text/plain"


CASES = [
    # (id, needle in the raw DOM text, occurrence, expected exact)
    ("inline-markup", "emphasised mistake", 0, "emphasised mistake"),
    ("across-a-link", "full stroy", 0, "full stroy"),
    ("strong-and-em", "our website", 0, "our website"),
    ("across-paragraphs", "ends here.\n  The second", 0, "ends here. The second"),
    ("br", "oneline", 0, "one line"),
    ("nbsp", "10\u00a0km", 0, "10 km"),
    ("soft-hyphen", "news\u00adpaper", 0, "newspaper"),
    ("emoji-before", "tpyo", 0, "tpyo"),
    ("nfd-text", "cafe\u0301", 0, "caf\u00e9"),
    ("nfd-split-by-selection", "cafe", 0, "caf\u00e9"),
    ("hidden-inside", "Shown secret words text", 0, "Shown text"),
    ("whitespace-at-both-ends", "   around    this    word   ", 0, "around this word"),
    ("starts-outside-root", "root.\n\n\n  Test", 0, "Test"),
    ("ends-outside-root", "city.</p>", 0, None),  # None: from "city." to the end of the root
    ("second-occurrence", "here", 1, "here"),
    ("beside-the-hint", "Find it?", 0, "Find it?"),
]


@pytest.mark.parametrize(("needle", "nth", "exact"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quote_in_article(page, api, open_page, select, needle, nth, exact):
    html = open_page("article.html")
    if needle == "city.</p>":  # from "city." in the article to the middle of the footer
        page.evaluate("""() => {
          const r = document.createRange();
          const t = document.querySelector('#nbsp').firstChild;
          r.setStart(t, t.data.indexOf('city.'));
          r.setEnd(document.querySelector('footer').firstChild, 6);
          getSelection().removeAllRanges(); getSelection().addRange(r);
        }""")
    else:
        select(needle, nth)
    text = canonical_text(html)
    payload = send_report(page, api)
    # The occurrence is identified by the offsets; "here" #1 is the one in "ends here."
    if exact is None:
        exact = text[text.index("city.") :]
    expected = quote(text, exact, nth if exact == needle else 0)
    assert payload["quote"] == expected
    assert text[payload["quote"]["start"] : payload["quote"]["end"]] == exact
    assert "suggestion" not in payload and "comment" not in payload  # unchanged / empty


def test_emoji_offsets_are_code_points(page, open_page, select):
    html = open_page("article.html")
    select("tpyo")
    got = page.evaluate("() => typodesk.capture()")
    text = canonical_text(html)
    assert text[got["start"] : got["end"]] == "tpyo"
    # Two emoji (one of them a ZWJ sequence of 3 code points) come before it in the text:
    utf16_start = len(text[: got["start"]].encode("utf-16-le")) // 2
    assert utf16_start == got["start"] + 3


@pytest.mark.parametrize(
    ("name", "needle", "lang", "root"),
    [
        ("ru.html", "ошыбка", "ru", None),
        ("az.html", "gözəlik", "az-Latn", None),
        ("uk.html", "ґрунтову", "uk", None),
        ("tr.html", "şöför", "tr", None),
        ("tr.html", "İstanbul'da ılık", "tr", None),  # dotted and dotless i stay what they are
        ("rtl.html", "خطأ مطبعي", "ar", None),
        ("root.html", "mistak", "en", ".story"),
    ],
)
def test_languages_scripts_and_roots(page, api, open_page, select, name, needle, lang, root):
    html = open_page(name)
    select(needle)
    payload = send_report(page, api)
    assert payload["lang"] == lang
    assert payload["quote"] == quote(canonical_text(html, root), needle)


def test_the_hint_line_is_not_part_of_the_text(page, open_page):
    html = open_page("article.html")
    expect(page.locator("#hint")).to_have_text("Found a mistake? Select it and press Ctrl+Enter.")
    assert page.evaluate("() => typodesk.canonicalText()") == canonical_text(html)
    assert "Select it" not in canonical_text(html)


def test_selection_from_outside_into_several_roots(page, api, open_page, select):
    html = open_page("root.html")
    text = canonical_text(html, ".story")
    assert text == "First part of the story. Second part with a mistak in it."
    select("roots.\nFirst part")
    assert page.evaluate("() => typodesk.capture()") == quote(text, "First part")
    select("story.\nAdvert between the parts.\nSecond")  # the aside between roots is skipped
    assert page.evaluate("() => typodesk.capture()") == quote(text, "story. Second")


def test_mouse_double_click_and_drag(page, api, open_page):
    html = open_page("article.html")
    text = canonical_text(html)
    box = page.evaluate(
        """(word) => {
      const t = document.querySelector('#plain').firstChild, i = t.data.indexOf(word);
      const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + word.length);
      const b = r.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height};
    }""",
        "jumpd",
    )
    page.mouse.dblclick(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2)
    assert send_report(page, api, suggestion="jumped")["quote"] == quote(text, "jumpd")
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)

    # Drag from the left edge of "brown" to the right edge of "fox".
    left = page.evaluate("""() => {
      const t = document.querySelector('#plain').firstChild, i = t.data.indexOf('brown'), j = t.data.indexOf('fox') + 3;
      const r = document.createRange(); r.setStart(t, i); r.setEnd(t, j);
      const rs = r.getClientRects(), a = rs[0], z = rs[rs.length - 1];
      return [a.left + 1, a.top + a.height / 2, z.right - 1, z.top + z.height / 2];
    }""")
    page.mouse.move(left[0], left[1])
    page.mouse.down()
    page.mouse.move(left[2], left[3], steps=5)
    page.mouse.up()
    assert page.evaluate("() => getSelection().toString()") == "brown fox"
    assert send_report(page, api)["quote"] == quote(text, "brown fox")
