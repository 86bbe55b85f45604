"""Azerbaijani: word lists plus a suffix grammar, since no Hunspell dictionary exists."""

from __future__ import annotations

import pytest

from typodesk import spelling


@pytest.fixture
def az(require):
    require("az")


@pytest.mark.parametrize(
    "word",
    [
        "kitablarımızdadır",  # plural + possessive + locative + copula
        "evdəkilər",  # -dəki makes a new stem
        "gəlməyəcəklər",  # negative future, 3rd plural
        "yazılmadı",  # passive, negation, past
        "uşağı",  # q softens to ğ before a vowel
        "azərbaycanlılar",
        "bütövlüyü",
        "oxuyacaqsınız",
    ],
)
def test_inflected_forms_are_accepted(az, word):
    assert spelling.is_correct(word, "az")


@pytest.mark.parametrize(
    "word",
    [
        "kitablər",  # suffix against vowel harmony
        "insanlr",  # dropped vowel
        "danısıqlar",  # half the diacritics restored
        "azerbaycan",  # typed without diacritics
    ],
)
def test_typos_are_not_accepted(az, word):
    assert spelling.is_correct(word, "az") is False


def test_a_word_typed_without_diacritics_is_restored_by_frequency_not_by_fewest_changes(az):
    # "goruş" would need one change fewer, but a reader without an Azerbaijani
    # keyboard drops every diacritic, so all restorations are equally likely
    assert spelling.suggest("gorus", "az")[:1] == ["görüş"]
    assert spelling.suggest("cunki", "az")[:1] == ["çünki"]


def test_turkish_spelling_habits_are_corrected(az):
    assert spelling.suggest("kitap", "az")[:1] == ["kitab"]
    assert spelling.suggest("tarih", "az")[:1] == ["tarix"]
