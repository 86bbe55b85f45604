"""Vocabulary: the site's own words, so its names are never "corrected"."""

from __future__ import annotations

import pytest

from typodesk import spelling
from typodesk.spelling import Vocabulary

NAMES = ["Khankendi", "Aghdam", "Garabagh"]


def _site(*pages: list[str], lang: str | None = "en") -> Vocabulary:
    site = Vocabulary()
    for number, words in enumerate(pages):
        site.learn(words, lang=lang, document=f"/page/{number}")
    return site


def test_a_word_is_trusted_once_it_appears_on_two_pages():
    site = _site(["Aghdam"], ["Aghdam"])
    assert site.knows("Aghdam")
    assert "aghdam" in site  # any case


def test_a_word_seen_on_one_page_only_is_not_trusted_because_typos_live_on_pages():
    site = _site(["Aghdam", "peeple"], ["Aghdam"])
    assert not site.knows("peeple")
    assert site.count("peeple") == 1


def test_reading_the_same_page_again_does_not_count_twice():
    site = Vocabulary()
    site.learn(["peeple"], document="/news/1")
    site.learn(["peeple"], document="/news/1")
    assert not site.knows("peeple")


def test_the_threshold_can_be_changed():
    site = Vocabulary(min_documents=1)
    site.learn(["Aghdam"], document="/news/1")
    assert site.knows("Aghdam")
    with pytest.raises(ValueError):
        Vocabulary(min_documents=0)


def test_an_editor_can_trust_a_word_at_once():
    site = Vocabulary()
    site.add("Şuşa")
    assert site.knows("ŞUŞA")


def test_learn_text_splits_a_page_into_words():
    site = Vocabulary()
    for page in ("/a", "/b"):
        site.learn_text("Residents returned to Khankendi (Garabagh) on Monday.", lang="en", document=page)
    assert site.knows("Khankendi") and site.knows("Garabagh")


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "tr", "az"])
def test_site_names_are_correct_in_every_language(require, lang):
    require(lang)
    site = _site(NAMES, NAMES)
    for name in NAMES:
        assert spelling.suggest(name, lang, vocabulary=site) == []
        assert spelling.is_correct(name, lang, site)


def test_a_near_miss_of_a_site_name_is_corrected_to_it(require):
    require("en")
    site = _site(NAMES, NAMES)
    assert spelling.suggest("Khankendy", "en", vocabulary=site)[:1] == ["Khankendi"]


def test_site_words_are_candidates_only_in_their_own_language(require):
    require("en")
    site = _site(NAMES, NAMES, lang="az")
    assert site.near("Khankendy", "az") == ["Khankendi"]
    assert site.near("Khankendy", "en") == []


def test_names_take_azerbaijani_suffixes(require):
    require("az")
    site = _site(["Xankəndi"], ["Xankəndi"], lang="az")
    assert spelling.is_correct("Xankəndidə", "az", site)  # "in Khankendi"
    assert spelling.suggest("Xankəndidə", "az", vocabulary=site) == []


def test_names_take_turkish_suffixes_after_an_apostrophe(require):
    require("tr")
    site = _site(["Xankəndi"], ["Xankəndi"], lang="tr")
    assert spelling.suggest("Xankəndi'de", "tr", vocabulary=site) == []


def test_learn_feeds_the_default_vocabulary():
    word = "Qarabağnamə"
    spelling.learn([word], "az", document="/x")
    spelling.learn([word], "az", document="/y")
    assert spelling.default_vocabulary().knows(word)
