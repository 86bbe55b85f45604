"""suggest_for_quote(exact, lang): the reader's quote with its misspellings corrected."""

from __future__ import annotations

from typodesk import spelling


def test_each_misspelled_word_is_replaced_by_its_best_suggestion(require):
    require("en")
    assert spelling.suggest_for_quote("the goverment will suply", "en") == "the government will supply"


def test_punctuation_spacing_and_case_are_kept(require):
    require("en")
    assert (
        spelling.suggest_for_quote("  Peeple, said the MINSITER!\n", "en") == "  People, said the MINISTER!\n"
    )


def test_a_quote_without_misspellings_gives_none(require):
    require("en")
    assert spelling.suggest_for_quote("the people will supply", "en") is None
    assert spelling.suggest_for_quote("", "en") is None
    assert spelling.suggest_for_quote("2024, 15:30 — 100%", "en") is None


def test_short_all_capital_words_are_taken_for_acronyms(require):
    require("en")
    assert spelling.suggest_for_quote("the OSCE and CSTO peeple", "en") == "the OSCE and CSTO people"


def test_quotes_in_other_languages(require):
    for lang, quote, fixed in [
        ("ru", "Призидент объявил о востановлении", "Президент объявил о восстановлении"),
        ("uk", "Уряд підтримує европейський вибір", "Уряд підтримує європейський вибір"),
        ("tr", "Ogrenciler okula gitti", "Öğrenciler okula gitti"),
        ("az", "Azerbaycan dovleti", "Azərbaycan dövləti"),
    ]:
        require(lang)
        assert spelling.suggest_for_quote(quote, lang) == fixed, lang


def test_the_sites_names_are_never_corrected(require):
    require("en")
    site = spelling.Vocabulary()
    for page in ("/news/1", "/news/2"):
        site.learn(["Khankendi", "Aghdam", "Garabagh"], lang="en", document=page)
    quote = "the peeple of Khankendi, Aghdam and Garabagh"
    assert (
        spelling.suggest_for_quote(quote, "en", vocabulary=site)
        == "the people of Khankendi, Aghdam and Garabagh"
    )
    # without the site's vocabulary the dictionary would have "fixed" a name
    assert spelling.suggest_for_quote(quote, "en") != "the people of Khankendi, Aghdam and Garabagh"


def test_invisible_characters_inside_words_do_not_make_them_misspelled(require):
    require("en")
    assert spelling.suggest_for_quote("the gov\u00adern\u00adment", "en") is None
