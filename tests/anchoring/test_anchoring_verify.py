"""What ``typodesk.anchoring.verify`` answers, situation by situation.

A reader reported a quote (``exact`` with 32 characters of ``prefix`` and ``suffix``) on a page;
the page has since been edited. ``verify`` must say whether the *reported occurrence* is still
there (present), was replaced (changed: with the words now standing in its place) or is gone with
its context (removed). Each test builds a small page, the reader's selector, and the page as it
is now, in one of several languages.
"""

from __future__ import annotations

from typing import Any

import pytest

from typodesk.anchoring import verify
from typodesk.text import normalize

# --- Pages -------------------------------------------------------------------------------------

EN = (
    "The city council met on Tuesday to discuss the new budget. Several members raised concerns "
    "about the cost of the bridge repairs, after the old deck was destructed by the storm last "
    "winter. The mayor said that the work would begin in spring and last about four months. "
    "Residents who live near the river have been asked to attend a public meeting next week."
)
RU = (
    "Городской совет собрался во вторник, чтобы обсудить новый бюджет. Несколько депутатов "
    "выразили обеспокоенность стоимостю ремонта моста, который пострадал от бури прошлой зимой. "
    "Мэр сказал, что работы начнутся весной и продлятся около четырёх месяцев."
)
UK = (
    "Міська рада зібралася у п'ятницю, щоб обговорити новий бюджет. Кілька депутатів висловили "
    "занепокоєння вартістю ремонту мосту, який постраждав від бурі минулої зими. Мер сказав, що "
    "роботи почнуться навесні й триватимуть близько чотирьох місяців."
)
TR = (
    "Belediye meclisi yeni bütçeyi görüşmek için salı günü toplandı. Birkaç üye, geçen kış "
    "fırtınada hasar gören köprünün onarım maliyeti konusundaki endişelerini dile getirdi. "
    "Başkan, çalışmaların ilkbaharda başlayacağını ve yaklaşık dört ay süreceğini söyledi."
)
DE = (
    "Der Stadtrat kam am Dienstag zusammen, um den neuen Haushalt zu beraten. Mehrere Mitglieder "
    "äußerten Bedenken wegen der Kosten für die Reparatur der Brücke, die im letzten Winter vom "
    "Sturm beschädigt wurde. Der Bürgermeister sagte, die Arbeiten würden im Frühjahr beginnen."
)
EL = (
    "Το δημοτικό συμβούλιο συνεδρίασε την Τρίτη για να συζητήσει τον νέο προϋπολογισμό. Αρκετά "
    "μέλη εξέφρασαν ανησυχίες για το κόστος της επισκευής της γέφυρας, που υπέστη ζημιές από την "
    "καταιγίδα τον περασμένο χειμώνα. Ο δήμαρχος είπε ότι οι εργασίες θα ξεκινήσουν την άνοιξη."
)
JA = (
    "市議会は火曜日に新しい予算について話し合うために集まりました。何人かの議員は、昨年の冬の"
    "嵐で損傷した橋の修理費用について懸念を表明しました。市長は、工事は春に始まり、約四か月続く"
    "と述べました。川の近くに住む住民は、来週の公開会議に出席するよう求められています。"
)


def select(page: str, exact: str, nth: int = 0) -> dict[str, Any]:
    """The selector the widget sends for the ``nth`` occurrence of ``exact`` on ``page``:
    canonical offsets, and 32 characters of context on each side (fewer at the page's edges)."""
    text = normalize(page)
    start = -1
    for _ in range(nth + 1):
        start = text.index(exact, start + 1)
    end = start + len(exact)
    return {
        "exact": exact,
        "prefix": text[max(0, start - 32) : start],
        "suffix": text[end : end + 32],
        "start": start,
        "end": end,
    }


def located(answer: dict[str, Any], page: str) -> str:
    """The text the answer points at on the canonical new page."""
    return normalize(page)[answer["start"] : answer["end"]]


def assert_present_at(answer: dict[str, Any], page: str, start: int, exact: str) -> None:
    assert answer["verdict"] == "present", answer
    assert (answer["start"], answer["end"]) == (start, start + len(exact))
    assert located(answer, page) == exact
    assert answer["replacement"] is None


def assert_changed_to(answer: dict[str, Any], page: str, replacement: str) -> None:
    assert answer["verdict"] == "changed", answer
    assert answer["replacement"] == replacement
    assert located(answer, page) == replacement


# --- The page as it was ------------------------------------------------------------------------


def test_an_unchanged_page_has_the_quote_present_where_it_was_with_full_confidence():
    sel = select(EN, "destructed")
    answer = verify(sel, EN)
    assert_present_at(answer, EN, sel["start"], "destructed")
    assert answer["score"] == 1.0


def test_the_answer_always_has_the_same_five_keys():
    for page in (EN, "", "Something else entirely."):
        answer = verify(select(EN, "destructed"), page)
        assert set(answer) == {"verdict", "start", "end", "replacement", "score"}
        assert answer["verdict"] in {"present", "changed", "removed", "uncertain"}
        assert 0.0 <= answer["score"] <= 1.0


@pytest.mark.parametrize("page", [RU, UK])
def test_white_space_soft_hyphens_and_zero_width_spaces_in_the_raw_page_do_not_matter(page):
    word = "стоимостю" if page is RU else "вартістю"
    sel = select(page, word)
    raw = (
        "\n   "
        + page.replace(" ", "\u00a0", 3)
        .replace(", ", ",\n\t  ", 2)
        .replace(word, word[:3] + "\u00ad" + word[3:])
        + "\u200b  \n"
    )
    assert word not in raw  # the raw page does not even hold the quote as a string
    answer = verify(sel, raw)
    assert_present_at(answer, raw, sel["start"], word)  # offsets are into the canonical text


# --- Edits around the quote that leave it in place ---------------------------------------------


def test_a_paragraph_added_before_the_quote_moves_it_but_it_is_still_present():
    sel = select(TR, "endişelerini")
    added = "Toplantı saat onda başladı ve öğleden sonra ikiye kadar sürdü. "
    new = added + TR
    answer = verify(sel, new)
    assert_present_at(answer, new, sel["start"] + len(added), "endişelerini")


def test_a_paragraph_deleted_before_the_quote_moves_it_but_it_is_still_present():
    sel = select(EN, "destructed")
    first_sentence = EN.index("Several")
    new = EN[first_sentence:]
    answer = verify(sel, new)
    assert_present_at(answer, new, sel["start"] - first_sentence, "destructed")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Kosten für die Reparatur", "Kosten fur die Reparatur"),  # in the prefix
        ("vom Sturm beschädigt", "vom Sturm beschadigt"),  # in the suffix
        ("Bedenken wegen der", "Bedenken wegen  der"),  # white space only
    ],
)
def test_small_edits_inside_the_prefix_or_suffix_keep_the_quote_present(before, after):
    sel = select(DE, "Brücke")
    new = DE.replace(before, after)
    answer = verify(sel, new)
    assert_present_at(answer, new, normalize(new).index("Brücke"), "Brücke")
    assert answer["score"] >= 0.9


def test_a_word_inserted_right_before_the_quote_keeps_it_present():
    sel = select(EN, "destructed")
    new = EN.replace("was destructed", "was badly destructed")
    answer = verify(sel, new)
    assert_present_at(answer, new, normalize(new).index("destructed"), "destructed")


def test_another_occurrence_of_the_same_misspelling_fixed_leaves_the_reported_one_present():
    page = UK.replace("вартістю", "вартистю").replace("близько", "вартистю близько")
    sel = select(page, "вартистю", nth=1)  # the second one was reported
    new = page.replace("вартистю", "вартістю", 1)  # an editor fixed the first one
    answer = verify(sel, new)
    assert_present_at(answer, new, normalize(new).index("вартистю"), "вартистю")


# --- The quote replaced --------------------------------------------------------------------------


def test_a_fixed_typo_is_changed_and_reported_as_the_whole_new_word():
    sel = select(EN, "destructed")
    new = EN.replace("destructed", "destroyed")
    answer = verify(sel, new)
    assert_changed_to(answer, new, "destroyed")
    assert answer["start"] == sel["start"]
    assert answer["score"] == 1.0


def test_a_quote_selected_inside_a_word_is_reported_with_the_whole_fixed_word():
    sel = select(RU, "имостю")  # the reader selected part of "стоимостю"
    new = RU.replace("стоимостю", "стоимостью")
    assert_changed_to(verify(sel, new), new, "стоимостью")


def test_only_the_reported_one_of_two_identical_misspellings_fixed_is_changed():
    page = EN.replace("four months", "four monts").replace("next week", "next monts")
    sel = select(page, "monts", nth=0)
    new = page.replace("four monts", "four months")
    assert "monts" in new  # a naive "is the quote still on the page?" would say present
    answer = verify(sel, new)
    assert_changed_to(answer, new, "months")
    assert answer["start"] == sel["start"]


def test_a_letter_added_at_the_end_of_the_word_is_a_fix_not_the_quote_standing_inside_it():
    page = DE.replace("beschädigt", "beschädig")
    sel = select(page, "beschädig")
    new = DE  # "beschädig" -> "beschädigt": the quote is still a substring of the page
    assert_changed_to(verify(sel, new), new, "beschädigt")


def test_a_rephrased_word_is_changed_even_with_a_small_edit_in_the_suffix():
    sel = select(RU, "стоимостю")
    new = RU.replace("стоимостю ремонта моста", "ЦЕНОЙ ремонта мостa")  # Latin "a" at the end
    answer = verify(sel, new)
    assert_changed_to(answer, new, "ЦЕНОЙ")
    assert 0.9 < answer["score"] < 1.0


def test_a_deleted_doubled_word_is_changed_to_nothing():
    page = EN.replace("the bridge repairs", "the the bridge repairs")
    sel = select(page, "the", nth=page.count("the", 0, page.index("the the")) + 1)
    assert sel["prefix"].endswith("the ") and sel["suffix"].startswith(" bridge")
    answer = verify(sel, EN)
    assert answer["verdict"] == "changed"
    assert answer["replacement"] == ""


def test_a_fix_in_a_script_without_spaces_is_reported_as_the_changed_characters():
    page = JA.replace("懸念を表明", "懸念を表名")
    sel = select(page, "表名")
    answer = verify(sel, JA)
    assert_changed_to(answer, JA, "表明")  # not the whole line of ideographs around it


def test_combining_marks_and_apostrophes_are_part_of_the_word_reported():
    # The reader selected part of a word; the fix is reported as the whole word, across a
    # combining mark (Ğ̇ has no precomposed form) and across an apostrophe inside a word.
    old = TR.replace("Başkan", "Ba\u011f\u0307kn")
    new = TR.replace("Başkan", "Ba\u011f\u0307kan")
    assert_changed_to(verify(select(old, "kn,"), new), new, "Ba\u011f\u0307kan,")
    old = UK.replace("п'ятницю", "п'ятнецю")
    assert_changed_to(verify(select(old, "нецю"), UK), UK, "п'ятницю")
    # Accents decomposed in the raw page are composed before comparing.
    old = TR.replace("köprünün", "köprünin")
    raw = TR.replace("köprünün", "ko\u0308pru\u0308nu\u0308n")
    assert_changed_to(verify(select(old, "prünin"), raw), raw, "köprünün")


def test_a_fix_is_found_when_unrelated_text_was_added_and_removed_elsewhere_on_the_page():
    page = EL.replace("επισκευής", "επισκεύης")
    sel = select(page, "επισκεύης")
    new = "Ενημέρωση: το άρθρο διορθώθηκε. Тест. " + EL.replace("τον νέο προϋπολογισμό. ", "")
    assert_changed_to(verify(sel, new), new, "επισκευής")


# --- The quote gone --------------------------------------------------------------------------------


def test_the_deleted_paragraph_is_removed():
    sel = select(EL, "γέφυρας")
    new = EL[: EL.index("Αρκετά")] + EL[EL.index("Ο δήμαρχος") :]
    answer = verify(sel, new)
    assert answer == {
        "verdict": "removed",
        "start": None,
        "end": None,
        "replacement": None,
        "score": answer["score"],
    }
    assert answer["score"] == 1.0


def test_a_look_alike_sentence_left_on_the_page_is_not_taken_for_the_deleted_one():
    page = (
        "4. :r FILENAME reads the file from disk and puts it below the cursor. "
        "5. :r !dir reads the output of the dir command and puts it below the cursor. "
        "Note: you can also read the output of an external command, for example :r !ls reads "
        "the output of the ls command and inserts it below the cursor. Lesson 5.4 follows."
    )
    sel = select(page, "below", nth=1)  # "below" in sentence 5 was reported (a common word)
    new = page.replace("5. :r !dir reads the output of the dir command and puts it below the cursor. ", "")
    # Sentence 4's "below" now has the reported suffix, whole: from the new page alone it reads
    # as the reported quote with its prefix rewritten, and a mistake is never closed on that.
    assert verify(sel, new)["verdict"] == "present"
    # The old page shows that "…from disk and puts it below" is sentence 4's own occurrence.
    assert verify(sel, new, old_text=page)["verdict"] == "removed"


def test_an_empty_page_or_one_shorter_than_the_quote_is_removed():
    sel = select(EN, "destructed")
    for new in ("", "   ", "destr"):
        assert verify(sel, new)["verdict"] == "removed"


# --- When in doubt -----------------------------------------------------------------------------------


def test_a_misspelling_still_on_the_page_is_never_changed_because_a_look_alike_holds_the_fix():
    sentence = "Move the cursor to the first line below marked with an arrow and press x. "
    page = "Lesson 1. " + sentence + "Then read on. Lesson 2. " + sentence.replace("cursor", "cursr")
    sel = select(page, "cursr")
    # The reported sentence was edited around the typo; the one in lesson 1 holds "cursor" in a
    # context identical to the reported one.
    new = page.replace("cursr to the first line", "cursr to the top line")
    answer = verify(sel, new)
    assert_present_at(answer, new, normalize(new).index("cursr"), "cursr")


def test_two_places_that_fit_equally_well_give_the_answer_but_a_low_score():
    paragraph = (
        "Officials said on Monday that the old deck was destructed by the storm last winter, and more. "
    )
    page = "News. " + paragraph + "Other news follow here. " + paragraph + "End."
    sel = select(page, "destructed", nth=1)  # the same 32 characters on each side as the first
    answer = verify(sel, page)
    assert answer["verdict"] == "present"
    assert answer["score"] <= 0.5
    # Fix one of them: the copy still standing, in the very context reported, is never
    # "changed" (whichever was reported, the mistake is still on the page).
    second = page.rindex("destructed")
    for fixed in (
        page.replace("destructed", "destroyed", 1),  # the first copy fixed
        page[:second] + "destroyed" + page[second + len("destructed") :],  # the second
    ):
        assert verify(sel, fixed)["verdict"] == "present"


def test_with_the_old_page_a_look_alike_that_was_already_there_is_not_the_fixed_quote():
    sentence = "Press ESC to make sure you are in Normal mode, then type the command. "
    page = "Lesson 1. " + sentence + "Some text. Lesson 2. " + sentence.replace("Normal", "Nromal") + "End."
    sel = select(page, "Nromal")
    new = page.replace("Lesson 2. " + sentence.replace("Normal", "Nromal"), "")  # lesson 2 deleted
    assert verify(sel, new)["verdict"] != "present"
    # Only the old page tells that lesson 1's sentence stood there all along.
    assert verify(sel, new, old_text=page)["verdict"] == "removed"


def test_with_the_old_page_a_selector_without_context_gets_it_from_there():
    sel = select(EN, "destructed")
    legacy = {"exact": "destructed", "start": sel["start"], "end": sel["end"]}
    new = EN.replace("destructed", "destroyed")
    assert_changed_to(verify(legacy, new, old_text=EN), new, "destroyed")


def test_without_any_context_the_quote_is_present_if_it_stands_on_the_page_and_removed_if_not():
    bare = {"exact": "destructed"}  # a legacy report, and no old page to take context from
    assert_present_at(verify(bare, EN), EN, EN.index("destructed"), "destructed")
    assert verify(bare, EN.replace("destructed", "destroyed"))["verdict"] == "removed"


def test_the_old_page_is_optional_and_gives_the_same_answer_in_plain_cases():
    sel = select(TR, "maliyeti")
    for new in (TR, TR.replace("maliyeti", "MALİYETİ"), TR[: TR.index("Birkaç")]):
        assert verify(sel, new) == verify(sel, new, old_text=TR)


# --- The edges of the page ----------------------------------------------------------------------------


def test_a_quote_at_the_very_start_of_the_page():
    page = "Teh city council met on Tuesday to discuss the new budget and the bridge repairs."
    sel = select(page, "Teh")
    assert sel["prefix"] == "" and sel["start"] == 0
    assert_present_at(verify(sel, page), page, 0, "Teh")
    assert_changed_to(verify(sel, "The" + page[3:]), "The" + page[3:], "The")


def test_a_quote_at_the_very_end_of_the_page():
    page = "The city council met on Tuesday to discuss the new budget and the bridge repaiirs"
    sel = select(page, "repaiirs")
    assert sel["suffix"] == ""
    assert_present_at(verify(sel, page + "  "), page, sel["start"], "repaiirs")
    fixed = page.replace("repaiirs", "repairs")
    assert_changed_to(verify(sel, fixed), fixed, "repairs")


# --- Bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector",
    [{}, {"exact": ""}, {"exact": None, "prefix": "x"}, {"exact": 5}, {"exact": "x", "prefix": 3}],
)
def test_a_selector_without_a_quote_is_rejected(selector):
    with pytest.raises(ValueError):
        verify(selector, EN)


def test_a_selector_that_is_not_a_dict_is_rejected():
    with pytest.raises(ValueError):
        verify("destructed", EN)  # type: ignore[arg-type]


def test_missing_or_nonsense_offsets_are_only_a_missing_hint():
    sel = select(EN, "destructed")
    for start in (None, -5, "12", True, 10**9):
        answer = verify({**sel, "start": start, "end": None}, EN)
        assert_present_at(answer, EN, sel["start"], "destructed")
