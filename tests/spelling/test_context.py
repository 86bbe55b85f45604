"""Suggestions that read the sentence: each rule family in each language, and the rules files."""

from __future__ import annotations

import tomllib

import pytest

from typodesk import spelling
from typodesk.spelling import context
from typodesk.spelling.context import RulesError, Suggestion, parse_rules, suggest_in_context

LANGS = ["en", "ru", "uk", "tr", "az"]


def best(exact: str, prefix: str, suffix: str, lang: str) -> Suggestion | None:
    found = suggest_in_context(exact, prefix, suffix, lang)
    return found[0] if found else None


# --- Repeated words, every language --------------------------------------------------------------

REPEATED = {
    "en": ("Volunteers spent three years repairing ", "the the", " cast-iron stairs.", "the"),
    "ru": ("Депутаты обсудили ", "закон закон", " о выборах.", "закон"),
    "uk": ("Депутати ", "ухвалили ухвалили", " закон.", "ухвалили"),
    "tr": ("Belediye ", "ve ve", " valilik ortak açıklama yaptı.", "ve"),
    "az": ("Bələdiyyə ", "və və", " icra hakimiyyəti bəyanat verdi.", "və"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_repeated_word_is_suggested_once(require, lang):
    require(lang)
    prefix, exact, suffix, want = REPEATED[lang]
    found = best(exact, prefix, suffix, lang)
    assert found is not None and found.text == want
    assert found.reason == context.rules_for(lang).repeated_reason


def test_the_repeated_copy_alone_is_suggested_for_deletion(require):
    require("en")
    # the reader selected only the second "the": it should go
    assert best("the", "repairing the ", " cast-iron", "en") == Suggestion("", "repeated word")
    # or only the first one
    assert best("the", "repairing ", " the cast-iron", "en") == Suggestion("", "repeated word")
    # capitals of the first word are kept; at the start of a sentence two capitals are no name
    assert best("The the", "", " tower", "en") == Suggestion("The", "repeated word")
    assert best("The The", "It rained. ", " tower fell.", "en") == Suggestion("The", "repeated word")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "She said that that was the end, and he had had enough."),
        ("en", "Set the PORT port number and the FILE FILE argument."),  # placeholders in capitals
        ("en", "The the-ory of the well-known well-being."),  # hyphenated words are other words
        ("ru", "Он еле-еле дошёл, а она чуть чуть опоздала."),
        ("tr", "Dosyaları satır satır karşılaştırır ve yavaş yavaş okur."),  # reduplications
        ("az", "Yavaş yavaş gəldi və tək tək danışdı."),
        ("en", "The report is ready.\nThe report was sent."),
        ("en", "They flew to Bora Bora and then to Walla Walla."),  # names inside a sentence
    ],
)
def test_legitimate_repetitions_are_left_alone(require, lang, text):
    require(lang)
    assert suggest_in_context(text, "", "", lang) == []


def test_a_repetition_across_punctuation_is_not_a_repeated_word(require):
    require("en")
    assert suggest_in_context("It rained, rained and rained.", "", "", "en") == []
    assert suggest_in_context("the", "the end of the. ", " next", "en") == []


# --- English confusion sets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "exact", "suffix", "want", "reason_has"),
    [
        ("More ", "then", " two thousand people queued.", "than", "comparative"),
        ("The tower is taller ", "then", " the church.", "than", "comparative"),
        ("They ate and ", "than", " left.", "then", "then"),
        ("If the bridge closes, ", "than", " the ferry will run.", "then", "if"),
        ("the town council has promised to keep ", "it's", " lantern lit", "its", "its"),
        ("The party held ", "it's", " own congress.", "its", "its"),
        ("", "Its", " a long way to the top.", "It's", "it is"),
        ("", "Your", " going to need a ticket.", "You're", "you are"),
        ("Bring ", "you're", " own bag.", "your", "your"),
        ("", "Their", " were three candidates.", "There", "there"),
        ("The residents left ", "there", " homes.", "their", "their"),
        ("", "There", " going to win.", "They're", "they are"),
        ("", "They're", " own homes were flooded.", "Their", "their"),
        ("The ban had no ", "affect", " on prices.", "effect", "noun"),
        ("The strike will ", "effect", " thousands of travellers.", "affect", "verb"),
        ("The club is ", "loosing", " money.", "losing", "losing"),
        ("They could ", "loose", " their seats.", "lose", "lose"),
        ("The prisoner was on the ", "lose", ".", "loose", "loose"),
    ],
)
def test_english_confusions(require, prefix, exact, suffix, want, reason_has):
    require("en")
    found = best(exact, prefix, suffix, "en")
    assert found is not None, f"nothing for {prefix}[{exact}]{suffix}"
    assert found.text == want
    assert reason_has in found.reason.lower()


@pytest.mark.parametrize(
    "text",
    [
        "More than two thousand people queued, and then the doors opened.",
        "The party held its own congress; it's the first in years.",
        "It's clear that its members want change.",
        "You're right that your ticket is valid.",
        "There are three candidates and their supporters say they're ready.",
        "The effect of the ban will affect prices.",
        "The screw came loose and the club could lose the match.",
        "After then, however, the river rose higher than ever.",
        "Back then the town was smaller.",
        "Since then, the mayor has been a member of the council.",
    ],
)
def test_correct_english_is_left_alone(require, text):
    require("en")
    assert suggest_in_context(text, "", "", "en") == []


def test_the_reader_s_apostrophe_is_kept(require):
    require("en")
    assert best("It\u2019s", "", " own congress", "en").text == "Its"
    assert best("Its", "", " a long way", "en").text == "It's"
    assert best("Its a", "", " long way", "en").text == "It's a"
    assert best("its", "", " not clear", "en") == Suggestion("it's", "it's = it is / it has")
    assert best("its\u2019", "", "", "en") is None


def test_only_edits_that_touch_the_selection_are_suggested(require):
    require("en")
    # "then" is in the context, not in the selection: nothing to say about "two"
    assert suggest_in_context("two", "More then ", " thousand", "en") == []
    # several fixes inside one selection are made together
    found = best("More then two thousand people keep it's lantern", "", "", "en")
    assert found.text == "More than two thousand people keep its lantern"
    assert "than after a comparative" in found.reason and "its" in found.reason


def test_alternatives_come_after_the_best_suggestion(monkeypatch):
    rules = parse_rules(
        "en",
        {
            "rule": [
                {"find": "there", "replace": "their", "reason": "first", "after": "own"},
                {"find": "there", "replace": "they're", "reason": "second", "after": "own"},
                {"find": "then", "replace": "than", "reason": "elsewhere", "before": "more"},
            ]
        },
        "t.toml",
    )
    monkeypatch.setattr(context, "rules_for", lambda code: rules)
    # every rule at the selection's place gives one suggestion, in file order; a fix elsewhere in
    # the selection is made in each of them
    assert suggest_in_context("more then there", "", " own", "en") == [
        Suggestion("more than their", "elsewhere; first"),
        Suggestion("more than they're", "elsewhere; second"),
    ]


# --- Russian ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "exact", "suffix", "want", "reason_has"),
    [
        ("Жителям нужно ", "учится", " экономить воду.", "учиться", "«нужно»"),
        ("Чтобы ", "добратся", " до острова, нужен паром.", "добраться", "«Чтобы»"),
        ("Ему нужно было ", "торопится", " на поезд.", "торопиться", "инфинитив"),
        ("Он часто ", "учиться", " по ночам.", "учится", "-тся"),
        ("Кто ", "сомневаться", " в итогах, может подать жалобу.", "сомневается", "-ется"),
        ("Что бы ", "не", " случилось, мы вернёмся.", "ни", "ни"),
        ("Как бы то ", "не", " было, решение принято.", "ни", "как бы то ни было"),
        ("Он ", "не", " разу не опоздал.", "ни", "ни"),
        ("", "Ни смотря", " на дождь, матч состоялся.", "Несмотря", "слитно"),
        ("Это был ", "никто", " иной, как мэр.", "не кто", "не кто иной"),
        ("Работы шли ", "в течении", " года.", "в течение", "времени"),
        ("Работы шли в ", "течении", " года.", "течение", "времени"),
        ("Рыба держится ", "в течение", " реки.", "в течении", "реки"),
        ("", "В заключении", ", мэр поблагодарил жителей.", "В заключение", "в конце"),
        ("Старый дом ", "сравняли", " с землёй.", "сровняли", "-ровн-"),
        ("Гости ", "сровняли", " счёт.", "сравняли", "-равн-"),
        ("Врач советует ", "поласкать", " горло.", "полоскать", "-полоск-"),
        ("Он ", "обмокнул", " хлеб в соус.", "обмакнул", "-мак-"),
    ],
)
def test_russian_rules(require, prefix, exact, suffix, want, reason_has):
    require("ru")
    found = best(exact, prefix, suffix, "ru")
    assert found is not None, f"nothing for {prefix}[{exact}]{suffix}"
    assert found.text == want
    assert reason_has in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "Жителям нужно учиться экономить воду, а он учится хорошо.",
        "Как бы не опоздать на поезд.",
        "Он прошёл мимо, не смотря на неё.",
        "Лодка попала в течение реки, а в течение часа её вынесло к берегу.",
        "Он оказался в заключении на три года.",
        "Кто бы мог подумать, что он не один из них.",
        "Флаг развевается, а экономика развивается.",
    ],
)
def test_correct_russian_is_left_alone(require, text):
    require("ru")
    assert suggest_in_context(text, "", "", "ru") == []


def test_an_ending_rule_only_suggests_words_the_dictionary_knows(require):
    require("ru")
    # "бьёться" is no word: the -тся → -ться rule must not make a misspelling
    assert suggest_in_context("бьётся", "Сердце нужно ", " ровно.", "ru") == []
    assert best("учится", "Нужно ", " ровно.", "ru").text == "учиться"


# --- Ukrainian -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "exact", "suffix", "want"),
    [
        ("Ремонт тривав ", "на протязі", " року.", "протягом"),
        ("Мешканці ", "приймають участь", " у виборах.", "беруть участь"),
        ("Київ ", "являється", " столицею України.", "є"),
        ("", "Слідуючий", " потяг прибуде о восьмій.", "Наступний"),
        ("Результати ", "співпадають", " з прогнозом.", "збігаються"),
        ("", "Згідно", " закону вибори відбудуться навесні.", "Відповідно до"),
        ("", "По крайній мірі", ", ніхто не постраждав.", "Принаймні"),
        ("Пенсіонери ", "получили", " допомогу.", "отримали"),
        ("Матч перенесли, ", "так як", " пішов дощ.", "оскільки"),
        ("Журналіст ", "задав", " питання міністрові.", "поставив"),
        ("", "Бувший", " міністр дав інтерв'ю.", "Колишній"),
    ],
)
def test_ukrainian_russianisms(require, prefix, exact, suffix, want):
    require("uk")
    found = best(exact, prefix, suffix, "uk")
    assert found is not None, f"nothing for {prefix}[{exact}]{suffix}"
    assert found.text == want
    assert "русизм" in found.reason or "відповідно до" in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "Цей тег має з'являтися лише один раз.",
        "Мешканці беруть участь у виборах протягом року.",
        "Любий друже, зроби так, як тобі зручно.",
        "Ми отримали відповідь відповідно до закону.",
    ],
)
def test_correct_ukrainian_is_left_alone(require, text):
    require("uk")
    assert suggest_in_context(text, "", "", "uk") == []


# --- Turkish and Azerbaijani -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "prefix", "exact", "suffix", "want", "reason_has"),
    [
        ("tr", "", "Bende", " yarın toplantıya geleceğim.", "Ben de", "ayrı"),
        ("tr", "Ben ", "da", " yarın geleceğim.", "de", "ünlü uyumu"),
        ("tr", "Onlar ", "de", " geldi.", "da", "ünlü uyumu"),
        ("tr", "Bakan ", "biliyorumki", " dedi.", "biliyorum ki", "ki"),
        ("tr", "", "Şimdi ki", " durum daha iyi.", "Şimdiki", "bitişik"),
        ("tr", "", "Masada ki", " kitap benim.", "Masadaki", "bitişik"),
        ("tr", "Yarın ", "gelecekmisin", "?", "gelecek misin", "soru"),
        ("tr", "Bu haber ", "doğrumu", "?", "doğru mu", "soru"),
        ("tr", "Geldin ", "mı", "?", "mi", "ünlü uyumu"),
        ("tr", "Maçı gördün ", "mu", "?", "mü", "ünlü uyumu"),
        ("az", "", "Məndə", " sabah iclasa gələcəyəm.", "Mən də", "ayrı"),
        ("az", "Mən ", "da", " gəldim.", "də", "ahəngi"),
        ("az", "Onlar ", "də", " gəldi.", "da", "ahəngi"),
        ("az", "Nazir ", "deyirki", " seçki olmayacaq.", "deyir ki", "ki"),
        ("az", "", "Evdə ki", " əşyalar xilas edildi.", "Evdəki", "bitişik"),
        ("az", "", "Bakıda ki", " iclasda iştirak etdi.", "Bakıdakı", "bitişik"),
        ("az", "Bu doğru ", "mi", "?", "mu", "ahəngi"),
    ],
)
def test_turkic_clitics(require, lang, prefix, exact, suffix, want, reason_has):
    require(lang)
    found = best(exact, prefix, suffix, lang)
    assert found is not None, f"nothing for {prefix}[{exact}]{suffix}"
    assert found.text == want
    assert reason_has in found.reason


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("tr", "Bende kalem var, evde kimse yok."),
        ("tr", "Ya da yarın gel; Ali de geldi, Ayşe de."),
        ("tr", "NATO da katıldı ve saat de doğru."),
        ("tr", "Belki sanki evdeki şimdiki durum iyidir."),
        ("tr", "Bunu bilmiyor musun? Hazır mı?"),
        ("tr", "Otomi, Estado de México"),
        ("tr", "Hükümetin açıklaması öğrencilerimizden geldi."),
        ("az", "Məndə kitab var, Əli də gəldi."),
        ("az", "Çünki evdəki vəziyyət yaxşıdır, bilirəm ki."),
    ],
)
def test_correct_turkic_text_is_left_alone(require, lang, text):
    require(lang)
    assert suggest_in_context(text, "", "", lang) == []


def test_turkish_dotless_i_is_not_confused_with_i(require):
    require("tr")
    # Python's case-insensitive matching folds ı and i together; harmony rules must not
    assert suggest_in_context("Ali de geldi. Hazır mı?", "", "", "tr") == []


# --- Languages, tags and bad input ---------------------------------------------------------------


def test_tags_and_unknown_languages(require):
    require("en")
    assert best("then", "More ", " two", "en-GB").text == "than"
    assert suggest_in_context("the the", "", "", "de") == []
    assert suggest_in_context("the the", "", "", "az-Cyrl") == []
    assert suggest_in_context("", "More ", " then", "en") == []
    assert suggest_in_context("   ", "", "", "en") == []


def test_the_package_exports_it():
    assert spelling.suggest_in_context is suggest_in_context
    assert spelling.Suggestion is Suggestion


# --- The rules files -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_rule_corrects_its_own_example(require, lang):
    """Each rule's ``example`` is a sentence it corrects: the files document themselves truthfully."""
    require(lang)
    ruleset = context.rules_for(lang)
    path = context.RULES_DIR / f"{lang}.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["rule"]
    assert len(raw) == len(ruleset.rules) >= 5
    missing = [r.get("find") or r["reason"] for r in raw if not r.get("example")]
    assert missing == [], "rules without an example"
    wrong = [r["example"] for r in raw if not suggest_in_context(r["example"], "", "", lang)]
    assert wrong == [], "examples their rules do not correct"


def test_a_bad_rule_is_reported_with_its_file_and_number():
    with pytest.raises(RulesError, match=r"xx.toml rule 2: 'replace' must be a string"):
        parse_rules(
            "en",
            {"rule": [{"find": "a", "replace": "b", "reason": "r"}, {"find": "a", "reason": "r"}]},
            "xx.toml",
        )
    with pytest.raises(RulesError, match=r"no set named @nope"):
        parse_rules("en", {"rule": [{"find": "@nope", "replace": "b", "reason": "r"}]}, "xx.toml")
    with pytest.raises(RulesError, match=r"rule 1 before"):
        parse_rules("en", {"rule": [{"find": "a", "replace": "b", "reason": "r", "before": "(("}]}, "xx.toml")
    with pytest.raises(RulesError, match=r"unknown keys \['fnd'\]"):
        parse_rules("en", {"rule": [{"fnd": "a", "replace": "b", "reason": "r"}]}, "xx.toml")


def test_a_rule_written_as_a_table_of_forms(monkeypatch):
    rules = parse_rules(
        "uk",
        {"rule": [{"reason": "русизм", "map": {"являється": "є", "на протязі": "протягом"}}]},
        "t.toml",
    )
    monkeypatch.setattr(context, "rules_for", lambda code: rules)
    assert suggest_in_context("на  протязі", "", " року", "uk") == [Suggestion("протягом", "русизм")]
    assert suggest_in_context("Являється", "Київ ", " столицею", "uk") == [Suggestion("Є", "русизм")]
    with pytest.raises(RulesError, match="'map' must be a table"):
        parse_rules("uk", {"rule": [{"reason": "r", "map": {"a": "b"}, "find": "a"}]}, "t.toml")


def test_a_broken_rules_file_switches_only_its_suggestions_off(tmp_path, monkeypatch, caplog):
    (tmp_path / "en.toml").write_text('[[rule]]\nfind = "then"\nreason = "x"\n', encoding="utf-8")
    (tmp_path / "ru.toml").write_text("[[rule]\n", encoding="utf-8")
    monkeypatch.setattr(context, "RULES_DIR", tmp_path)
    context.rules_for.cache_clear()
    try:
        assert suggest_in_context("the the", "", "", "en") == []
        assert suggest_in_context("в течении", "", " года", "ru") == []
        assert "en.toml rule 1: 'replace' must be a string" in caplog.text
        assert "ru.toml" in caplog.text
    finally:
        context.rules_for.cache_clear()
