"""The finding page's text helpers: word-level diffs and text-fragment links (no database)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from typodesk.desk.fragment import encode_term, live_link, text_directive
from typodesk.text.diff import diff, tokens


def ops(old, new):
    return [(s.op, s.text) for s in diff(old, new)]


def test_a_removed_word_is_removed_and_the_rest_equal():
    assert ops("encountered with problems", "encountered problems") == [
        ("equal", "encountered "),
        ("removed", "with "),
        ("equal", "problems"),
    ]


def test_a_misspelled_word_is_replaced_whole():
    assert ops("teh", "the") == [("removed", "teh"), ("added", "the")]
    assert ops("It was teh best", "It was the best") == [
        ("equal", "It was "),
        ("removed", "teh"),
        ("added", "the"),
        ("equal", " best"),
    ]


def test_punctuation_is_its_own_unit_and_words_keep_inner_hyphens():
    assert ops("Hello world", "Hello, world") == [("equal", "Hello"), ("added", ","), ("equal", " world")]
    assert tokens("an e-mail, isn't it") == ["an", " ", "e-mail", ",", " ", "isn't", " ", "it"]


def test_changes_separated_by_spaces_only_read_as_one_change():
    assert ops("a b c", "x y z") == [("removed", "a b c"), ("added", "x y z")]


@pytest.mark.parametrize(
    "old, new",
    [("", "new"), ("old", ""), ("same", "same"), ("Ёлки палки", "Елки-палки"), ("a  b\nc", "a b c")],
)
def test_the_segments_rebuild_both_texts(old, new):
    segs = diff(old, new)
    assert "".join(s.text for s in segs if not s.is_added) == old
    assert "".join(s.text for s in segs if not s.is_removed) == new


# Text fragments (https://wicg.github.io/scroll-to-text-fragment/) ----------------------------

EXPLICIT = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$'()*+./:;=?@_~")


def test_delimiters_and_everything_not_explicit_are_percent_encoded():
    assert encode_term("a-b") == "a%2Db"
    assert encode_term("a,b") == "a%2Cb"
    assert encode_term("a&b") == "a%26b"
    assert encode_term("50% off #1") == "50%25%20off%20%231"
    assert encode_term("ключ") == "%D0%BA%D0%BB%D1%8E%D1%87"
    kept = "!$'()*+./:;=?@_~"
    assert encode_term(kept) == kept


@pytest.mark.parametrize("text", ["a-b,c&d e", "«ёж» — 100%", "x\ty", "'(ok)'!", "é-è,ê&ë"])
def test_an_encoded_term_holds_only_explicit_characters_and_decodes_back(text):
    term = encode_term(text)
    assert set(re.sub(r"%[0-9A-F]{2}", "", term)) <= EXPLICIT
    assert unquote(term) == text


def test_the_link_has_short_prefix_and_suffix_words_around_the_quote():
    link = live_link(
        "https://news.example/story", "teh", "In the beginning it was ", " best of times, they said"
    )
    assert link == "https://news.example/story#:~:text=beginning%20it%20was-,teh,-best%20of%20times%2C"


def test_a_quote_cut_inside_a_word_is_widened_to_the_word():
    # The reader selected "eh" of "teh": matches must start and end on word boundaries.
    assert text_directive("eh", "It was t", " best") == "text=It%20was-,teh,-best"
    assert text_directive("te", "It was ", "h best") == "text=It%20was-,teh,-best"


def test_a_context_cut_at_its_length_limit_loses_its_broken_word():
    prefix = ("x" * 30 + " one two three four five six seven eight ")[-64:]
    assert len(prefix) == 64 and prefix[0] == "x"
    assert text_directive("teh", prefix, "") == "text=six%20seven%20eight-,teh"
    suffix = (" alpha beta " + "y" * 60)[:64]
    assert text_directive("teh", "", suffix) == "text=teh,-alpha%20beta"


def test_a_quote_across_a_line_break_becomes_start_and_end_within_their_lines():
    d = text_directive(
        "end of the first.\n\nSecond paragraph starts here", "words before the ", " and goes on"
    )
    assert (
        d
        == "text=words%20before%20the-,end%20of%20the%20first.,Second%20paragraph%20starts%20here,-and%20goes%20on"
    )
    # Context beyond a line break is another block: not adjacent to the quote, so left out.
    assert text_directive("teh", "Title\n", "\nNext") == "text=teh"


def test_a_long_quote_is_given_by_its_first_and_last_words():
    exact = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    d = text_directive(exact)
    assert d == "text=one%20two%20three%20four,twelve%20thirteen%20fourteen%20fifteen"


def test_only_http_pages_get_a_link_and_an_old_fragment_is_replaced():
    assert live_link("javascript:alert(1)//", "teh") == ""
    assert live_link("data:text/html,x", "teh") == ""
    assert live_link("/relative/path", "teh") == ""
    assert live_link("https://news.example/a\nb", "teh") == ""
    assert live_link("http://news.example/a?x=1#top", "teh") == "http://news.example/a?x=1#:~:text=teh"
    assert live_link("https://news.example/a", "   ") == "https://news.example/a"
