"""How candidates are ordered: weighted edit distance, then frequency."""

from __future__ import annotations

import pytest

from typodesk.spelling import frequency, languages
from typodesk.spelling.distance import distance
from typodesk.spelling.frequency import FrequencyTable, load_wordfreq

AZ = languages.LANGUAGES["az"].costs
RU = languages.LANGUAGES["ru"].costs


def test_plain_edits_cost_one_each():
    assert distance("people", "people") == 0
    assert distance("peeple", "people") == 1  # substitution
    assert distance("rigths", "rights") == 1  # transposition
    assert distance("recieve", "receive") == 1
    assert distance("goverment", "government") == 1  # insertion
    assert distance("abc", "") == 3


def test_doubling_or_undoubling_a_letter_is_cheap():
    assert distance("suply", "supply") == 0.5
    assert distance("гостинница", "гостиница") == 0.5


def test_diacritic_twins_are_cheap_in_languages_that_have_them():
    assert distance("dovlet", "dövlət", AZ) == pytest.approx(0.6)
    assert distance("dovlet", "dövlət") == 2


def test_letters_that_sound_alike_are_cheaper_than_others():
    assert distance("малоко", "молоко", RU) == 0.5
    assert distance("малоко", "мулоко", RU) == 1


def test_frequency_table_answers_for_known_words_and_zero_otherwise():
    table = FrequencyTable([(200, ["the"]), (500, ["cat", "dog"])])
    assert table.frequency("the") == pytest.approx(0.01)
    assert table.frequency("dog") == pytest.approx(1e-5)
    assert table.frequency("unicorn") == 0.0
    assert len(table) == 3


def test_frequency_table_sorted_in_ranges_finds_every_word_of_every_range():
    """The keys are sorted one range of their top bits at a time (no long GIL hold): the table
    is still one sorted array, and a word in any range is found with its own frequency."""
    words = [f"word{i}" for i in range(20_000)]
    table = FrequencyTable((i % 700, words[i::700]) for i in range(700))
    assert list(table._packed) == sorted(table._packed)
    assert len({k >> frequency._PART_SHIFT for k in table._packed}) > 200  # the ranges are all used
    for i in range(0, 20_000, 97):
        assert table.frequency(f"word{i}") == pytest.approx(10 ** (-(i % 700) / 100))
    assert table.frequency("word20000") == 0.0


def test_wordfreq_data_is_read_offline_from_the_installed_package():
    table, common = load_wordfreq("en", "large", common=1000)
    assert len(common) == 1000 and common[0] == "the"
    assert table.frequency("people") > table.frequency("peephole") > 0
