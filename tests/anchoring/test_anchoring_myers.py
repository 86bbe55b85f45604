"""The bit-parallel scans agree with the textbook edit-distance table, position by position.

:mod:`typodesk.anchoring.myers` runs Myers' recurrence transposed, over the whole page at once,
and decodes the result lazily through byte tables; every shortcut there is checked here against
a plain dynamic-programming table on random short texts over a small alphabet (where matches,
near-matches and repeats are frequent), including non-Latin-1 and astral characters.
"""

from __future__ import annotations

import random

import pytest

from typodesk.anchoring.myers import BitText

ALPHABET = "ab ёЖ😀\u0307"


def end_costs(pattern: str, text: str) -> list[int]:
    """Cost of ``pattern`` against the best substring of ``text`` ending at each position 0..n."""
    previous = list(range(len(pattern) + 1))
    costs = [len(pattern)]
    for ch in text:
        row = [0]
        for i, pc in enumerate(pattern):
            row.append(min(previous[i + 1] + 1, row[i] + 1, previous[i] + (pc != ch)))
        previous = row
        costs.append(row[-1])
    return costs


def start_costs(pattern: str, text: str) -> list[int]:
    """Cost of ``pattern`` against the best substring of ``text`` starting at each position."""
    return end_costs(pattern[::-1], text[::-1])[::-1]


def random_cases(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        pattern = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))
        text = "".join(rng.choice(ALPHABET + "c") for _ in range(rng.randint(0, 90)))
        yield pattern, text


@pytest.mark.parametrize("seed", range(4))
def test_prefix_and_suffix_costs_match_the_textbook_table_at_every_position(seed):
    for pattern, text in random_cases(seed, 150):
        bits = BitText(text, pattern)
        ends, starts = bits.ends(pattern), bits.starts(pattern)
        assert [ends.at(j) for j in range(len(text) + 1)] == end_costs(pattern, text)
        assert [starts.at(i) for i in range(len(text) + 1)] == start_costs(pattern, text)


@pytest.mark.parametrize("seed", range(4))
def test_low_lists_exactly_the_positions_at_or_under_the_limit(seed):
    rng = random.Random(seed)
    for pattern, text in random_cases(seed + 10, 150):
        limit = rng.randint(0, 8)
        bits = BitText(text, pattern)
        want_ends = {j: c for j, c in enumerate(end_costs(pattern, text)) if c <= limit}
        want_starts = {i: c for i, c in enumerate(start_costs(pattern, text)) if c <= limit}
        assert bits.ends(pattern).low(limit) == want_ends
        assert bits.starts(pattern).low(limit) == want_starts


def test_a_long_page_is_scanned_whole():
    rng = random.Random(7)
    text = "".join(rng.choice("abcdefgh ") for _ in range(3000))
    pattern = text[2000:2032]
    costs = BitText(text, pattern).ends(pattern)
    assert costs.at(2032) == 0
    assert 2032 in costs.low(0)
    assert costs.at(10_000) == costs.at(3000)  # anchors beyond the text are clamped


def test_a_budget_keeps_only_the_best_matches_of_a_pattern_that_matches_everywhere():
    text = ("~" * 70 + " Lesson. ") * 40
    pattern = "~" * 31 + " "
    costs = BitText(text, pattern).ends(pattern)
    everything = costs.low(8)
    best = costs.low(8, budget=64)
    assert len(everything) > 2000
    assert set(best.values()) == {0}
    assert set(best) == {j for j, c in everything.items() if c == 0}


def test_characters_the_text_lacks_and_an_empty_text_are_fine():
    assert BitText("", "abc").ends("abc").at(0) == 3
    costs = BitText("xyz", "abc").starts("abc")
    assert [costs.at(i) for i in range(4)] == [3, 3, 3, 3]
