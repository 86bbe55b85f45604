"""suggest(word, lang): the spell checker's correction for a word a reader selected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from typodesk import spelling


def test_every_language_is_available(lang):
    # the `lang` fixture fails with install instructions when a dictionary is missing
    assert lang in spelling.available_languages()


# --- the article fixture -------------------------------------------------------------


def _injected_misspellings(shared_dir):
    findings = json.loads((shared_dir / "fixtures" / "news-article.errors.json").read_text(encoding="utf-8"))
    return [f for f in findings if f["origin"] == "injected" and f["kind"] == "spelling"]


def test_each_injected_misspelling_of_the_article_gets_the_right_suggestion_first(shared_dir, require):
    require("en")
    injected = _injected_misspellings(shared_dir)
    assert injected, "the fixture should contain injected spelling errors"
    got = {f["exact"]: spelling.suggest(f["exact"], "en")[:1] for f in injected}
    assert got == {f["exact"]: [f["suggestion"]] for f in injected}


def test_each_injected_quote_of_the_article_is_corrected(shared_dir, require):
    require("en")
    for finding in _injected_misspellings(shared_dir):
        quote = finding["prefix"] + finding["exact"]
        assert spelling.suggest_for_quote(quote, "en") == finding["prefix"] + finding["suggestion"]


def test_destructed_is_accepted_by_the_english_dictionary_so_gets_no_suggestion(require):
    # The article's own "intentionally destructed" (editors want "destroyed") is a
    # word choice, not a misspelling: en_US Hunspell accepts "destructed".
    require("en")
    assert spelling.suggest("destructed", "en") == []


# --- one example per language ------------------------------------------------------------

EXAMPLES = [
    ("en", "recieve", "receive"),
    ("en", "goverment", "government"),
    ("ru", "призидент", "президент"),
    ("ru", "востановление", "восстановление"),
    ("uk", "теріторія", "територія"),
    ("uk", "европейський", "європейський"),
    ("tr", "ogrenciler", "öğrenciler"),
    ("tr", "herkez", "herkes"),
    ("az", "dovlet", "dövlət"),
    ("az", "xeberler", "xəbərlər"),
]


@pytest.mark.parametrize(("lang_code", "wrong", "right"), EXAMPLES)
def test_a_common_misspelling_is_corrected_first(require, lang_code, wrong, right):
    require(lang_code)
    assert spelling.suggest(wrong, lang_code)[:1] == [right]


CORRECT = [
    ("en", "people"),
    ("en", "Government"),
    ("ru", "правительство"),
    ("uk", "обов'язково"),
    ("uk", "обов\u2019язково"),  # typographic apostrophe, as pages write it
    ("tr", "İstanbul"),
    ("az", "Azərbaycan"),
    ("az", "danışıqlarda"),  # an inflected form no word list contains
]


@pytest.mark.parametrize(("lang_code", "word"), CORRECT)
def test_a_correct_word_gets_no_suggestion(require, lang_code, word):
    require(lang_code)
    assert spelling.suggest(word, lang_code) == []


def test_suggestions_are_best_first_and_limited(require):
    require("en")
    found = spelling.suggest("peeple", "en")
    assert found[0] == "people"
    assert 1 < len(found) <= spelling.DEFAULT_LIMIT
    assert spelling.suggest("peeple", "en", limit=1) == ["people"]


# --- case --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang_code", "wrong", "right"),
    [
        ("en", "Peeple", "People"),
        ("en", "PEEPLE", "PEOPLE"),
        ("ru", "Призидент", "Президент"),
        ("tr", "Ogrenci", "Öğrenci"),
        ("tr", "OGRENCI", "ÖĞRENCİ"),  # Turkish upper case of i is İ
        ("az", "Azerbaycan", "Azərbaycan"),
        ("az", "AZERBAYCAN", "AZƏRBAYCAN"),
    ],
)
def test_the_words_case_pattern_is_kept(require, lang_code, wrong, right):
    require(lang_code)
    assert spelling.suggest(wrong, lang_code)[:1] == [right]


def test_a_lower_case_word_may_be_corrected_to_a_name(require):
    require("tr")
    assert spelling.suggest("ıstanbul", "tr")[:1] == ["İstanbul"]


# --- language tags -------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["en", "en-US", "en_GB", "EN", "eng"])
def test_english_tags(require, tag):
    require("en")
    assert spelling.suggest("peeple", tag)[:1] == ["people"]


@pytest.mark.parametrize("tag", ["az", "az-Latn", "az-Latn-AZ", "aze"])
def test_azerbaijani_tags(require, tag):
    require("az")
    assert spelling.suggest("dovlet", tag)[:1] == ["dövlət"]


def test_azerbaijani_in_cyrillic_script_is_not_checked_and_says_so():
    assert spelling.suggest("довлет", "az-Cyrl") == []
    state = spelling.status("az-Cyrl")
    assert not state.available
    assert "latn" in state.detail


def test_a_language_without_a_spell_checker_gets_nothing_and_says_so():
    assert spelling.suggest("peeple", "fr") == []
    assert spelling.suggest_for_quote("le peeple", "fr") is None
    state = spelling.status("fr")
    assert not state.available
    assert "fr" in state.detail


# --- what is not a word -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "2024", "a1b2", "—", "COVID-19"])
def test_things_that_are_not_words_get_no_suggestion(require, text):
    require("en")
    assert spelling.suggest(text, "en") == []


def test_punctuation_around_the_selection_is_ignored(require):
    require("ru")
    assert spelling.suggest("«призидент»,", "ru")[:1] == ["президент"]


def test_answers_do_not_depend_on_the_process_hash_seed(require):
    # "малоко" is as close to "малого" as to "молоко", and both are as frequent:
    # the tie must be broken the same way in every worker process
    require("ru")
    script = "from typodesk.spelling import suggest; print(suggest('малоко', 'ru'))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
