"""The dialog's excerpt around the mistake stays within its paragraph (or heading) and is cut
between words, never inside one; the context sent with the report is in whole words too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import context_after, context_before
from typodesk.text import canonical_text

pytestmark = pytest.mark.browser


def test_a_mistake_in_a_heading_shows_the_heading_only(page, api, open_page, report):
    open_page("harbour.html")
    dialog = report("centurry-old")
    # Not "Local news · 29 November 2026 Harbour town … lighthouse After three years …"
    expect(dialog.locator(".q")).to_have_text("Harbour town reopens its centurry-old lighthouse")
    expect(dialog.locator("mark")).to_have_text("centurry-old")


def test_a_long_paragraph_is_cut_between_words(page, api, open_page, report):
    html = open_page("harbour.html")
    dialog = report("earnst")
    shown = dialog.locator(".q").inner_text()
    before, after = shown.split("earnst")
    paragraph = canonical_text(html).split("centurry-old lighthouse ")[1].split(" Visitors")[0]
    said = paragraph[: paragraph.index("earnst")]
    # Cut in the sentence's middle: an ellipsis, then a whole word of the paragraph.
    assert before.startswith("…") and said.endswith(before[1:]), before
    assert said[-len(before[1:]) - 1] == " ", before
    assert not before[1:].startswith(" ")
    assert after == ", whatever the weather brings to the coast."  # to the end of the sentence


def test_the_context_sent_is_whole_words(page, api, open_page, report):
    html = open_page("harbour.html")
    text = canonical_text(html)
    report("earnst")
    page.keyboard.press("Enter")
    expect(page.locator("typodesk-widget dialog[open]").get_by_role("status")).to_contain_text("Thank you")
    quote = api.payloads[0]["quote"]
    start = text.index("earnst")
    # 32 characters back would cut "night" to "ght": on to the space before it.
    assert quote["prefix"] == context_before(text, start) == " night until the new year begins in "
    assert quote["suffix"] == context_after(text, start + 6) == ", whatever the weather brings to "
