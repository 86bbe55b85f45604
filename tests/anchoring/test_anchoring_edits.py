"""Fix verification on big edits: the project's own corpus (bench/verify_edits.py).

The corpus is made from news texts written for it (``bench/data/verify-edits/``), in az, en, ru,
tr and uk: a 2,000-character update paragraph put in above the quote or inside its context, blocks
of sentences moved to the start or the end of the article, a frequent word as the quote, and the
same edits with the mistake fixed or its sentence deleted. The first tests check that the cases
are what they claim to be; the last that ``verify`` meets the issue's targets on every kind:
no false "removed", no false "fixed", 99 % of verdicts and 95 % of spans right.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bench.verify_edits import CASES_PER_KIND, FREQUENT, KINDS, LANGUAGES, cut_context, generate
from typodesk.anchoring import verify
from typodesk.anchoring.evaluation import span_right, verdict_right
from typodesk.text import normalize

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "verify-dev.jsonl"


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return generate()


def test_every_kind_is_made_in_every_language_and_the_same_twice(cases):
    counts = defaultdict(int)
    for case in cases:
        counts[(case["lang"], case["kind"])] += 1
    assert counts == {(lang, kind): CASES_PER_KIND for lang in LANGUAGES for kind in KINDS}
    assert len({case["id"] for case in cases}) == len(cases)
    assert generate() == cases  # the same texts and seed give the same corpus


def test_the_selectors_are_the_widgets_and_the_labels_point_at_the_truth(cases):
    for case in cases:
        sel, old, new, expected = case["selector"], case["old_text"], case["new_text"], case["expected"]
        assert normalize(old) == old and normalize(new) == new
        assert old[sel["start"] : sel["end"]] == sel["exact"]
        assert sel["prefix"] == old[max(0, sel["start"] - 32) : sel["start"]]
        assert sel["suffix"] == old[sel["end"] : sel["end"] + 32]
        kind = case["kind"]
        if expected["verdict"] == "present":
            assert new[expected["start"] : expected["end"]] == sel["exact"]
        elif expected["verdict"] == "changed":
            assert new[expected["start"] : expected["end"]] == expected["replacement"] != sel["exact"]
            # The context is intact on both sides of the fix.
            assert new[: expected["start"]].endswith(sel["prefix"]), case["id"]
            assert new[expected["end"] :].startswith(sel["suffix"]), case["id"]
        else:
            assert sel["exact"] not in new or kind == "removed_frequent_word"
        if "insert" in kind:
            assert len(new) - len(old) >= 2000 or expected["verdict"] == "removed"


def test_the_edits_break_the_side_of_the_context_they_say(cases):
    """One side of the quote's context is other text on the new page; the other stands whole."""
    for case in cases:
        kind, sel, new, expected = case["kind"], case["selector"], case["new_text"], case["expected"]
        if expected["verdict"] != "present" or kind == "present_long_insert_above":
            continue
        before, after = new[: expected["start"]], new[expected["end"] :]
        prefix_kept = before.endswith(sel["prefix"])
        suffix_kept = after.startswith(sel["suffix"])
        assert prefix_kept != suffix_kept, case["id"]
        if kind == "present_insert_in_prefix":
            assert suffix_kept
        if kind == "present_insert_in_suffix":
            assert prefix_kept
        if kind == "present_frequent_word_moved":
            word = FREQUENT[case["lang"]]
            assert sel["exact"] == word
            assert len(re.findall(rf"(?<!\w){word}(?!\w)", new)) >= 5


@pytest.mark.parametrize("with_old_text", [False, True], ids=["selector-and-page", "with-old-page"])
def test_every_kind_meets_the_targets(cases, with_old_text):
    by_kind: dict[str, list[tuple[bool, bool | None]]] = defaultdict(list)
    false_removed, false_fixed, wrong = [], [], []
    for case in cases:
        expected = case["expected"]
        answer = verify(case["selector"], case["new_text"], case["old_text"] if with_old_text else None)
        ok = verdict_right(answer, expected)
        span = span_right(answer, expected, case["new_text"]) if expected["verdict"] != "removed" else None
        by_kind[case["kind"]].append((ok, span))
        if expected["verdict"] == "present" and answer["verdict"] == "removed":
            false_removed.append(case["id"])
        if expected["verdict"] == "present" and answer["verdict"] == "changed":
            false_fixed.append(case["id"])
        if not ok or span is False:
            wrong.append((case["id"], expected, answer))
    assert false_removed == []
    assert false_fixed == []
    for kind, results in by_kind.items():
        verdicts = [ok for ok, _ in results]
        spans = [span for _, span in results if span is not None]
        assert sum(verdicts) / len(verdicts) >= 0.99, (kind, wrong)
        assert not spans or sum(spans) / len(spans) >= 0.95, (kind, wrong)


def test_on_the_dev_sets_pages_cut_by_an_insertion_no_open_mistake_is_closed():
    """Text the engine was not made with: the shared development set's "present" cases with the
    update paragraph put in inside the quote's prefix or suffix, judged with the old page (as
    the page reader always judges a "removed"). Cases whose context the dev set had already
    edited may be "uncertain"; none may be "removed" or "changed"."""
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = cut_context(dev)
    assert len(cases) > 150
    verdicts, spans, closed = [], [], []
    for case in cases:
        answer = verify(case["selector"], case["new_text"], case["old_text"])
        verdicts.append(answer["verdict"] == "present")
        spans.append(span_right(answer, case["expected"], normalize(case["new_text"])))
        if answer["verdict"] in ("removed", "changed"):
            closed.append((case["id"], answer))
    assert closed == []
    assert sum(verdicts) / len(verdicts) >= 0.99
    assert sum(spans) / len(spans) >= 0.95
