"""Turkish: common spellings the dictionary lacks, with their suffixes, and inflected corrections."""

from __future__ import annotations

import pytest

from typodesk import spelling
from typodesk.spelling._engine import REGISTRY
from typodesk.spelling.distance import distance


@pytest.fixture
def tr(require):
    require("tr")
    return REGISTRY.lexicon("tr")


@pytest.mark.parametrize(
    "word", ["hükümet", "Hükümet", "hükümetin", "hükümetinin", "hükümetindeki", "hükümetten", "HÜKÜMETİN"]
)
def test_the_common_spelling_and_its_inflections_are_accepted(tr, word):
    # Debian's tr_TR knows only "hükumet"; newspapers print "hükümet" forty times as often
    assert spelling.is_correct(word, "tr") is True
    assert spelling.suggest(word, "tr") == []
    assert spelling.suggest_for_quote(f"{word} açıklama yaptı", "tr") is None


@pytest.mark.parametrize(
    "word",
    [
        "hükümetinn",  # the suffixes must be ones the dictionary allows on its own variant
        "Hükümet'in",  # an apostrophe before a suffix is for names only
        "degil",  # common, but "değil" is the dictionary's and far more common: a misspelling
        "türkiye",  # the dictionary knows it as a name
    ],
)
def test_misspellings_stay_misspellings(tr, word):
    assert spelling.is_correct(word, "tr") is False


def test_the_lacking_stems_are_few_and_found_once(tr):
    lacking = tr.lacking()
    assert lacking["hükümet"] == "hükumet"
    assert "değil" not in lacking and "degil" not in lacking
    assert len(lacking) < 100
    assert tr.lacking() is lacking


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        ("hukümetin", "hükümetin"),
        ("hükümeten", "hükümetten"),
        ("belediyesinn", "belediyesinin"),
        ("bakanlıgının", "bakanlığının"),
        ("yapılacaığnı", "yapılacağını"),
    ],
)
def test_inflected_misspellings_get_inflected_corrections(tr, wrong, right):
    assert spelling.suggest(wrong, "tr")[0] == right


def test_removing_both_letters_of_a_pair_is_not_two_undoublings():
    assert distance("belediyesinn", "belediyesi") == 2.0
    assert distance("belediyesinn", "belediyesinin") == 1.0
    assert distance("aab", "ab") == 0.5 and distance("ab", "aab") == 0.5
