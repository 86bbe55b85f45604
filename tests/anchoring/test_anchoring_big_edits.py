"""What ``verify`` answers when the page around a reported mistake changed a lot.

An editor puts a 2,000-character update paragraph above a sentence, or inside the 32 characters
of context the reader's browser sent; moves a block of sentences to the start or the end of the
article; deletes a sentence. The mistake, when it is still on the page, keeps its words and one
side of its context: it must be found (present), never closed as "removed" or "changed". What
cannot be told either way is "uncertain".
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.verify_edits import load
from typodesk.anchoring import verify
from typodesk.text import normalize

AZ_SENTENCES, AZ_UPDATE = load("az")
EN_SENTENCES, EN_UPDATE = load("en")
RU_SENTENCES, RU_UPDATE = load("ru")
TR_SENTENCES, TR_UPDATE = load("tr")


def select(page: str, exact: str, nth: int = 0) -> dict[str, Any]:
    """The selector the widget sends for the ``nth`` occurrence of ``exact`` (as a whole word)."""
    text = normalize(page)
    start = -1
    for _ in range(nth + 1):
        start = text.index(exact, start + 1)
        while text[start - 1].isalnum() or text[start + len(exact)].isalnum():
            start = text.index(exact, start + 1)
    end = start + len(exact)
    return {"exact": exact, "prefix": text[max(0, start - 32) : start], "suffix": text[end : end + 32],
            "start": start, "end": end}  # fmt: skip


def misspelled(sentences: list[str], k: int, word: str, wrong: str) -> list[str]:
    """The sentences with ``word`` in sentence ``k`` replaced by ``wrong``."""
    assert word in sentences[k]
    return sentences[:k] + [sentences[k].replace(word, wrong, 1)] + sentences[k + 1 :]


def assert_present(answer: dict[str, Any], new: str, start: int, exact: str) -> None:
    assert answer["verdict"] == "present", answer
    assert (answer["start"], answer["end"]) == (start, start + len(exact))
    assert normalize(new)[answer["start"] : answer["end"]] == exact


@pytest.mark.parametrize("with_old", [False, True], ids=["page-only", "with-old-page"])
def test_a_long_insertion_inside_the_prefix_leaves_the_quote_and_its_suffix_standing(with_old):
    # "planlaşdırır" misspelled at the start of its sentence: the prefix holds the sentence
    # before it, which the update paragraph now follows.
    k = next(i for i, s in enumerate(AZ_SENTENCES) if s.startswith("Qonşu Gürcüstan"))
    sentences = misspelled(AZ_SENTENCES, k, "Gürcüstan da", "Gürcütsan da")
    old = " ".join(sentences)
    sel = select(old, "Gürcütsan")
    new = " ".join(sentences[:k] + [AZ_UPDATE] + sentences[k:])
    assert len(AZ_UPDATE) >= 2000 and sel["prefix"] + "Gürcütsan" not in new
    answer = verify(sel, new, old if with_old else None)
    assert_present(answer, new, new.index("Gürcütsan"), "Gürcütsan")


@pytest.mark.parametrize("with_old", [False, True], ids=["page-only", "with-old-page"])
def test_a_long_insertion_inside_the_suffix_leaves_the_quote_and_its_prefix_standing(with_old):
    k = next(i for i, s in enumerate(RU_SENTENCES) if s.startswith("Грузовые перевозчики"))
    sentences = misspelled(RU_SENTENCES, k, "вручную", "вручнуб")
    old = " ".join(sentences)
    sel = select(old, "вручнуб")
    new = " ".join(sentences[: k + 1] + [RU_UPDATE] + sentences[k + 1 :])
    assert "вручнуб" + sel["suffix"] not in new
    answer = verify(sel, new, old if with_old else None)
    assert_present(answer, new, new.index("вручнуб"), "вручнуб")


@pytest.mark.parametrize("to_start", [True, False], ids=["moved-to-start", "moved-to-end"])
@pytest.mark.parametrize("with_old", [False, True], ids=["page-only", "with-old-page"])
def test_a_block_moved_away_from_a_prefix_full_of_a_common_word_is_still_found(with_old, to_start):
    # The reported word opens a block of three sentences; the sentence before it names
    # Azerbaijan, which the article names five times.
    k = next(i for i, s in enumerate(EN_SENTENCES) if s.startswith("Traffic on the corridor"))
    assert "Azerbaijan" in EN_SENTENCES[k - 1] and " ".join(EN_SENTENCES).count("Azerbaijan") == 5
    sentences = misspelled(EN_SENTENCES, k, "Traffic", "Trafifc")
    old = " ".join(sentences)
    sel = select(old, "Trafifc")
    assert "Azerbaijan" in sel["prefix"]
    block, rest = sentences[k : k + 3], sentences[:k] + sentences[k + 3 :]
    new = " ".join(block + rest if to_start else rest + block)
    answer = verify(sel, new, old if with_old else None)
    assert_present(answer, new, new.index("Trafifc"), "Trafifc")


@pytest.mark.parametrize("with_old", [False, True], ids=["page-only", "with-old-page"])
def test_a_frequent_word_whose_block_moved_is_told_apart_by_the_side_that_went_with_it(with_old):
    # "olarak" stands seven times in the article; the reported one ends a sentence's clause
    # whose block is moved to the end: its suffix went with it, its prefix is other text now.
    old = " ".join(TR_SENTENCES)
    assert old.count(" olarak ") >= 6
    k = next(i for i, s in enumerate(TR_SENTENCES) if s.startswith("Bakanlık, projeyi"))
    at = old.index(TR_SENTENCES[k])
    sel = select(old[at:], "olarak")
    sel = {**sel, "prefix": old[at + sel["start"] - 32 : at + sel["start"]], "start": at + sel["start"]}
    sel["end"] = sel["start"] + len("olarak")
    block, rest = TR_SENTENCES[k - 1 : k + 1], TR_SENTENCES[: k - 1] + TR_SENTENCES[k + 1 :]
    new = " ".join(rest + block)
    answer = verify(sel, new, old if with_old else None)
    expected = new.index(TR_SENTENCES[k]) + TR_SENTENCES[k].index("olarak")
    assert_present(answer, new, expected, "olarak")


def test_a_quote_moved_across_a_long_page_is_found_however_far_it_went():
    """No window around the reported offset: the whole page is searched."""
    filler = " ".join(EN_SENTENCES + [EN_UPDATE] + EN_SENTENCES[::-1] + [EN_UPDATE, AZ_UPDATE])
    sentence = "The stationmaster sayd that the old clock would be kept in the new hall."
    old = sentence + " " + filler
    sel = select(old, "sayd")
    new = filler + " Then: " + sentence.replace("The stationmaster", "A spokesman for the stationmaster")
    assert len(new) > 10_000 and new.index("sayd") > 9_000
    answer = verify(sel, new, old)
    assert_present(answer, new, new.index("sayd"), "sayd")


# --- Removed, or uncertain -------------------------------------------------------------------------


def test_a_misspelling_that_stood_once_and_stands_with_both_sides_rewritten_is_uncertain():
    k = next(i for i, s in enumerate(EN_SENTENCES) if s.startswith("Freight operators"))
    sentences = misspelled(EN_SENTENCES, k, "complained", "compalined")
    old = " ".join(sentences)
    sel = select(old, "compalined")
    rewritten = "Hauliers and exporters compalined again this week, citing hours lost at each yard."
    new = " ".join(sentences[:k] + [rewritten] + sentences[k + 1 :])
    answer = verify(sel, new, old)
    assert answer == {"verdict": "uncertain", "start": None, "end": None, "replacement": None,
                      "score": answer["score"]}  # fmt: skip
    assert 0.0 <= answer["score"] < 0.8
    # Deleted with its sentence, it is removed.
    gone = " ".join(sentences[:k] + sentences[k + 1 :])
    assert verify(sel, gone, old)["verdict"] == "removed"


def test_a_frequent_word_whose_sentence_was_deleted_is_removed_though_an_update_adds_more_of_it():
    old = " ".join(TR_SENTENCES)
    k = next(i for i, s in enumerate(TR_SENTENCES) if s.startswith("Bakü'deki analistler"))
    sel = select(old, "olarak", nth=old[: old.index(TR_SENTENCES[k])].count(" olarak "))
    assert old[sel["start"] - 20 : sel["start"]] in TR_SENTENCES[k]
    new = " ".join(TR_SENTENCES[:2] + [TR_UPDATE] + TR_SENTENCES[2:k] + TR_SENTENCES[k + 1 :])
    assert new.count(" olarak ") >= old.count(" olarak ")  # the update brought new ones
    for old_text in (None, old):
        assert verify(sel, new, old_text)["verdict"] == "removed"


def test_with_the_old_page_a_whole_side_beside_another_occurrence_is_that_occurrence():
    line = "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ "
    page = (
        "Intro text here. " + line + "Lesson 1: moving around. Use the keys h j k l. "
        + line + "Lesson 2: deleting. Press x to delete a character. "
        + line + "Lesson 3: undoing. Press u to undo the last change. End."
    )  # fmt: skip
    sel = select(page, "Lesson", nth=1)  # "Lesson" of lesson 2, its prefix a separator line
    new = page.replace(line + "Lesson 2: deleting. Press x to delete a character. ", "")
    # Lessons 1 and 3 still stand after a separator: a side that matches at several places, or
    # a stretch that stood beside another occurrence already, does not identify lesson 2.
    assert verify(sel, new)["verdict"] == "removed"
    assert verify(sel, new, old_text=page)["verdict"] == "removed"
