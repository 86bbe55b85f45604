"""Labelled fix-verification cases of big edits: long insertions and moved blocks of sentences.

Run:  .venv/bin/python bench/verify_edits.py [--out PATH]

Reads the news texts in ``bench/data/verify-edits/<lang>.txt`` (written for this corpus: an
article, a line ``---``, then an update paragraph of more than 2,000 characters; az, en, ru, tr
and uk) and writes
``bench/data/verify-edits.jsonl`` (not kept in the repository: the same texts and seed always
give the same cases, and ``bench/verify_accuracy.py`` and the tests make them in memory) in the
format of the shared development set
(``../shared/README.md``): ``id``, ``lang``, ``kind``, ``selector`` (quote, 32 characters of
context each side, canonical offsets into ``old_text``), ``old_text``, ``new_text`` and
``expected`` (verdict, the span on the canonical new page, the replacement for "changed").

The edits are those an editor makes to a live article, each around a reported mistake (a letter
pair swapped in a word of the article, or a frequent word reported for its grammar):

``present_long_insert_above``
    the update paragraph put in a sentence or more above the quote (its context untouched);
``present_insert_in_prefix`` / ``present_insert_in_suffix``
    the update paragraph put in right before / after the quote's sentence, inside the 32
    characters of its prefix / suffix, so that only the quote and the other side stand together;
``present_block_moved_start`` / ``present_block_moved_end``
    two to four sentences moved to the start / end of the article, the quote within 32 characters
    of the block's first or last character, so that one side of its context is other text now;
``present_frequent_word_moved``
    the same with the quote a word standing many times in the article (en "the", ru "что",
    tr "olarak", az "olaraq", uk "що"), where only the surviving side tells its occurrences apart;
``changed_after_long_insert``, ``changed_block_moved``
    the update paragraph above, or the quote's block moved to the start or the end, and the
    misspelling corrected (both sides of the context unchanged);
``removed_after_long_insert``, ``removed_block_moved``
    the update paragraph above, or another block moved, and the quote's sentence deleted;
``removed_frequent_word``
    the update paragraph above and the sentence of a frequent word deleted, the word standing
    on in the rest of the article.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "data" / "verify-edits"
OUTPUT = HERE / "data" / "verify-edits.jsonl"
LANGUAGES = ("az", "en", "ru", "tr", "uk")
#: A word standing many times in each article, for ``present_frequent_word_moved``.
FREQUENT = {"az": "olaraq", "en": "the", "ru": "что", "tr": "olarak", "uk": "що"}
CASES_PER_KIND = 8
CONTEXT = 32
SEED = 25

# Marks around the quote while the sentences are shuffled; removed before the texts are written.
_OPEN, _CLOSE = "\x01", "\x02"
_WORD = re.compile(r"[^\W\d_]+")


def load(lang: str) -> tuple[list[str], str]:
    """The article as a list of sentences, and the update paragraph."""
    lines = [line for line in (SOURCES / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]  # fmt: skip
    body = "\n".join(lines)
    article, update = (part.strip() for part in body.split("\n---\n"))
    sentences = re.split(r"(?<=[.!?]) (?=[^\W\d_])", " ".join(article.split()))
    update = " ".join(update.split())
    if len(update) < 2000:
        raise ValueError(f"{lang}: the update paragraph must be 2,000 characters or more")
    return sentences, update


def typo(word: str, rng: random.Random) -> str:
    """The word with two adjacent inner letters swapped (a different string)."""
    spots = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def words(sentence: str, *, near: str = "", frequent: str = "") -> list[tuple[int, int]]:
    """Spans of candidate quotes in a sentence.

    ``near``: only within the first (``"start"``) or last (``"end"``) 30 characters, or farther
    than 32 from both ends (``"inside"``). ``frequent``: only that word; else words of 6+ letters.
    """
    spans = []
    for m in _WORD.finditer(sentence):
        w = m.group()
        if frequent:
            if w != frequent:
                continue
        elif len(w) < 6 or not w.islower():
            continue
        a, b = m.span()
        if (
            (near == "start" and a > 30)
            or (near == "end" and len(sentence) - b > 30)
            or (near == "inside" and (a < CONTEXT + 2 or len(sentence) - b < CONTEXT + 2))
        ):
            continue
        spans.append((a, b))
    return spans


def mark(sentence: str, span: tuple[int, int], text: str) -> str:
    a, b = span
    return sentence[:a] + _OPEN + text + _CLOSE + sentence[b:]


def unmark(text: str) -> tuple[str, int | None, int | None]:
    """The text without the marks, and the marked span (None when the quote's sentence is gone)."""
    a = text.find(_OPEN)
    if a < 0:
        return text, None, None
    b = text.index(_CLOSE)
    return text[:a] + text[a + 1 : b] + text[b + 1 :], a, b - 1


class Maker:
    """Builds the cases of one language."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.sentences, self.update = load(lang)
        self.article = " ".join(self.sentences)

    def pick(self, candidates: list[tuple[int, tuple[int, int]]]) -> tuple[int, tuple[int, int]]:
        if not candidates:
            raise ValueError(f"{self.lang}: no sentence fits")
        return self.rng.choice(candidates)

    def quotes(
        self, first: int, last: int, near: str = "", frequent: str = ""
    ) -> list[tuple[int, tuple[int, int]]]:
        return [(s, span) for s in range(first, last)
                for span in words(self.sentences[s], near=near, frequent=frequent)]  # fmt: skip

    def case(
        self,
        kind: str,
        verdict: str,
        s: int,
        span: tuple[int, int],
        edit: Callable[[list[str]], list[str]],
        *,
        fix: bool,
        misspell: bool = True,
    ) -> dict[str, Any]:
        """A case: the quote at ``span`` of sentence ``s``, the new page made by ``edit``.

        ``misspell``: the word is made a misspelling on the old page (and stays one unless
        ``fix``); else the quote is the word as written.
        """
        word = self.sentences[s][span[0] : span[1]]
        wrong = typo(word, self.rng) if misspell else word
        before = list(self.sentences)
        before[s] = mark(before[s], span, wrong)
        after = list(before)
        if fix:
            after[s] = mark(self.sentences[s], span, word)
        old, start, end = unmark(" ".join(before))
        new, new_start, new_end = unmark(" ".join(edit(after)))
        assert start is not None and end is not None
        expected: dict[str, Any] = {"verdict": verdict, "start": None, "end": None, "replacement": None}
        if verdict != "removed":
            assert new_start is not None
            expected.update(start=new_start, end=new_end)
            if verdict == "changed":
                expected["replacement"] = word
        return {
            "lang": self.lang,
            "kind": kind,
            "selector": {
                "exact": wrong,
                "prefix": old[max(0, start - CONTEXT) : start],
                "suffix": old[end : end + CONTEXT],
                "start": start,
                "end": end,
            },
            "old_text": old,
            "new_text": new,
            "expected": expected,
        }

    # --- The kinds ---------------------------------------------------------------------------

    def insert_above(self, kind: str, verdict: str, frequent: str = "") -> dict[str, Any]:
        """The update paragraph a sentence or more above the quote; fixed or deleted per verdict."""
        n = len(self.sentences)
        s, span = self.pick(self.quotes(3, n, near="inside", frequent=frequent))
        at = self.rng.randrange(1, s)

        def edit(sentences: list[str]) -> list[str]:
            out = sentences[:at] + [self.update] + sentences[at:]
            if verdict == "removed":
                del out[s + 1]
            return out

        return self.case(kind, verdict, s, span, edit, fix=verdict == "changed", misspell=not frequent)

    def insert_in_context(self, kind: str, side: str) -> dict[str, Any]:
        """The update paragraph right before (prefix) or after (suffix) the quote's sentence."""
        n = len(self.sentences)
        near = "start" if side == "prefix" else "end"
        s, span = self.pick(self.quotes(1, n - 1, near=near))

        def edit(sentences: list[str]) -> list[str]:
            at = s if side == "prefix" else s + 1
            return sentences[:at] + [self.update] + sentences[at:]

        return self.case(kind, "present", s, span, edit, fix=False)

    def block_moved(self, kind: str, verdict: str, to: str, frequent: str = "") -> dict[str, Any]:
        """Two to four sentences moved to the start or the end of the article."""
        n = len(self.sentences)
        size = self.rng.randint(2, 4)
        candidates = []
        for first in range(1, n - size):
            if verdict == "present":
                # The quote within 30 characters of the block's edge: that side's context changes.
                candidates += [(first, q) for q in self.quotes(first, first + 1, "start", frequent)]
                candidates += [
                    (first, q) for q in self.quotes(first + size - 1, first + size, "end", frequent)
                ]
            else:
                candidates += [(first, q) for q in self.quotes(first, first + size, "inside")]
        first, (s, span) = self.pick(candidates)  # first >= 1 and the block ends before the last

        def edit(sentences: list[str]) -> list[str]:
            block = sentences[first : first + size]
            rest = sentences[:first] + sentences[first + size :]
            return block + rest if to == "start" else rest + block

        return self.case(kind, verdict, s, span, edit, fix=verdict == "changed", misspell=not frequent)

    def removed_with_block_moved(self, kind: str) -> dict[str, Any]:
        """Another block moved to the start or the end, and the quote's sentence deleted."""
        n = len(self.sentences)
        size = self.rng.randint(2, 4)
        first = self.rng.randrange(2, n - size - 1)
        outside = [q for q in self.quotes(1, n) if not first <= q[0] < first + size]
        s, span = self.pick(outside)
        to_start = self.rng.random() < 0.5

        def edit(sentences: list[str]) -> list[str]:
            kept = [x for i, x in enumerate(sentences) if i != s]
            at = first - (1 if s < first else 0)
            block, rest = kept[at : at + size], kept[:at] + kept[at + size :]
            return block + rest if to_start else rest + block

        return self.case(kind, "removed", s, span, edit, fix=False)

    def make(self, kind: str) -> dict[str, Any]:
        """A case of ``kind``; for the kinds that cut one side of the context, one where it is cut
        (a sentence moved next to one ending in the same letters may leave it whole)."""
        while True:
            case = self.draw(kind)
            if case["expected"]["verdict"] != "present" or kind == "present_long_insert_above":
                return case
            sel, new, at = case["selector"], case["new_text"], case["expected"]["start"]
            prefix_kept = new[:at].endswith(sel["prefix"])
            suffix_kept = new[at + len(sel["exact"]) :].startswith(sel["suffix"])
            if prefix_kept != suffix_kept:
                return case

    def draw(self, kind: str) -> dict[str, Any]:
        where = self.rng.choice(("start", "end"))
        return {
            "present_long_insert_above": lambda: self.insert_above(kind, "present"),
            "present_insert_in_prefix": lambda: self.insert_in_context(kind, "prefix"),
            "present_insert_in_suffix": lambda: self.insert_in_context(kind, "suffix"),
            "present_block_moved_start": lambda: self.block_moved(kind, "present", "start"),
            "present_block_moved_end": lambda: self.block_moved(kind, "present", "end"),
            "present_frequent_word_moved": lambda: self.block_moved(
                kind, "present", where, frequent=FREQUENT[self.lang]
            ),
            "changed_after_long_insert": lambda: self.insert_above(kind, "changed"),
            "changed_block_moved": lambda: self.block_moved(kind, "changed", where),
            "removed_after_long_insert": lambda: self.insert_above(kind, "removed"),
            "removed_block_moved": lambda: self.removed_with_block_moved(kind),
            "removed_frequent_word": lambda: self.insert_above(kind, "removed", FREQUENT[self.lang]),
        }[kind]()


KINDS = (
    "present_long_insert_above",
    "present_insert_in_prefix",
    "present_insert_in_suffix",
    "present_block_moved_start",
    "present_block_moved_end",
    "present_frequent_word_moved",
    "changed_after_long_insert",
    "changed_block_moved",
    "removed_after_long_insert",
    "removed_block_moved",
    "removed_frequent_word",
)


def generate(seed: int = SEED) -> list[dict[str, Any]]:
    """Every case, in a fixed order (the same texts and seed give the same cases)."""
    cases = []
    for lang in LANGUAGES:
        maker = Maker(lang, random.Random(f"{seed}-{lang}"))
        for kind in KINDS:
            seen: set[str] = set()
            number = 0
            while number < CASES_PER_KIND:
                case = maker.make(kind)
                key = json.dumps(case["selector"], sort_keys=True) + case["new_text"]
                if key in seen:  # the same quote and edit drawn twice
                    continue
                seen.add(key)
                cases.append({"id": f"{lang}-edits-{kind}-{number}", **case})
                number += 1
    return cases


def cut_context(cases: list[dict[str, Any]], lang: str = "en") -> list[dict[str, Any]]:
    """Other corpora's "present" cases with the update paragraph put in inside the quote's context.

    For each case whose truth is "present", two new ones: the update paragraph put in at the
    last space within the 28 characters before the quote (inside its prefix), and at the first
    space within the 28 characters after it (inside its suffix), on the case's new page. The
    texts were not written for this corpus, so this checks the engine on pages it was not made
    with: templated lines, legal text, and context that the case had already edited.
    """
    from typodesk.text import normalize  # the product's canonical text, only for this

    _, update = load(lang)
    out = []
    for case in cases:
        expected = case["expected"]
        if expected["verdict"] != "present":
            continue
        new = normalize(case["new_text"])
        start, end = expected["start"], expected["end"]
        cuts = {
            "prefix": new.rfind(" ", max(0, start - 28), start - 2),
            "suffix": new.find(" ", end + 2, end + 28),
        }
        for side, at in cuts.items():
            if at < 0:
                continue
            shift = len(update) + 1 if side == "prefix" else 0
            out.append(
                {
                    **case,
                    "id": f"{case['id']}-cut-{side}",
                    "kind": f"{case['kind']}+insert_in_{side}",
                    "new_text": new[: at + 1] + update + " " + new[at + 1 :],
                    "expected": {**expected, "start": start + shift, "end": end + shift},
                }
            )
    return out


def dump(cases: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})")
    parser.add_argument("--seed", type=int, default=SEED, help="another seed draws other quotes and edits")
    args = parser.parse_args(argv)
    cases = generate(args.seed)
    args.out.write_text(dump(cases), encoding="utf-8")
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
