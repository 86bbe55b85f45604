"""The context shown beside a quote in the desk: whole words, never the end of a cut word; the
stored context (which anchoring reads) is not changed."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from typodesk.text.excerpt import words_after, words_before


@pytest.mark.parametrize(
    ("prefix", "shown"),
    [
        ("wn council has promised to light ", "council has promised to light "),  # 32, cut mid-word
        (" the town council has promised to ", "the town council has promised to "),  # cut between words
        ("It was ", "It was "),  # the page's start: all there was
        ("", ""),
        ("ешь же ещё этих мягких французских ", "же ещё этих мягких французских "),
        ("x" * 40, "x" * 40),  # one long word (or a script without spaces): kept
        (" ", " "),
    ],
)
def test_words_before(prefix, shown):
    assert words_before(prefix) == shown


@pytest.mark.parametrize(
    ("suffix", "shown"),
    [
        (" near the top of the page. Fille", " near the top of the page."),
        (" whatever the weather brings to ", " whatever the weather brings to"),
        (" best of times", " best of times"),  # the page's end
        ("", ""),
        (" " + "y" * 40, " " + "y" * 40),
        (
            "雨が降っていますが、私たちは公園に行きました。明日はきっと晴れるでしょう。",
            "雨が降っていますが、私たちは公園に行きました。明日はきっと晴れるでしょう。",
        ),
    ],
)
def test_words_after(suffix, shown):
    assert words_after(suffix) == shown


def test_the_desks_quote_shows_whole_words(settings):
    class F:
        prefix = "wn council has promised to light "
        exact = "teh"
        suffix = " tower every night until the new y"

    html = Template('{% include "desk/_quote.html" %}').render(Context({"f": F}))
    assert html.strip() == (
        '<q class="quote"><span class="ctx">…council has promised to light </span><mark>teh</mark>'
        '<span class="ctx"> tower every night until the new…</span></q>'
    )
    assert "&lt;" in Template('{% include "desk/_quote.html" %}').render(
        Context({"f": type("F", (), {"prefix": "<b>" + "a" * 40, "exact": "<i>", "suffix": ""})})
    )  # escaped, as any reader's text
