"""Accuracy and speed of fix verification (typodesk.anchoring.verify) on labelled corpora.

Run:  .venv/bin/python bench/verify_accuracy.py [--corpus PATH] [--edits PATH] [--repeat N] [--json]

Two corpora in the same format: the shared development set (``../shared/corpus/verify-dev.jsonl``,
skipped when absent) and this project's corpus of big edits, made in memory by
``bench/verify_edits.py`` from the texts in ``bench/data/verify-edits/`` (or read from ``--edits
PATH``): long insertions above the quote or inside its context, blocks of sentences moved to
the start or the end of the article, in az, en, ru, tr and uk. For every
labelled case it calls ``verify`` twice, once with the selector and the new page only (how
typodesk runs when it has no snapshot) and once with the old page too, and reports, overall, per
kind and per language: verdict accuracy; span accuracy over the present and changed cases; the
harmful errors, **false fixed** ("changed" where the mistake is still present: it closes the
report as fixed) and **false removed** ("removed" where it is still present: it closes the report
as text gone); how many answers were "uncertain" (the finding stays open); and the time per call.
Then it runs the same cases framed in 10,000-character pages (unrelated text from another
document before and after), the size the performance target is set for, and times a few
10,000-character pages shaped to make the search work hardest. A third corpus checks the engine
on text it was not made with: the development set's "present" cases with the edits corpus's
update paragraph put in inside the quote's prefix or suffix (``cut_context``).

Timing: each call is repeated ``--repeat`` times and the fastest run counts (as ``timeit``
does), so that other processes on a shared machine don't add their time slices to the figure;
the median and 99th percentile are then taken over the cases. The CPU time of the process
(``time.process_time``) is shown too: on a busy machine it is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from typodesk.anchoring import verify  # noqa: E402
from typodesk.anchoring.evaluation import span_right, verdict_right  # noqa: E402
from typodesk.text import normalize  # noqa: E402

sys.path.insert(0, str(REPO))
from bench.verify_edits import cut_context, generate  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "verify-dev.jsonl"
PAGE_SIZE = 10_000


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def timed_call(case: dict[str, Any], use_old: bool, repeat: int) -> tuple[dict[str, Any], float, float]:
    """The answer, and the fastest wall-clock and CPU time of ``repeat`` calls, in ms."""
    old = case["old_text"] if use_old else None
    wall = cpu = float("inf")
    answer: dict[str, Any] = {}
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        answer = verify(case["selector"], case["new_text"], old)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return answer, wall * 1000, cpu * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Tally:
    """Counts for one group of cases (all, one kind, one language)."""

    def __init__(self) -> None:
        self.n = self.right = self.span_n = self.span_right = 0
        self.false_fixed = self.false_removed = self.uncertain = 0

    def add(self, expected: dict[str, Any], answer: dict[str, Any], ok: bool, span_ok: bool | None) -> None:
        self.n += 1
        self.right += ok
        if span_ok is not None:
            self.span_n += 1
            self.span_right += span_ok
        if expected["verdict"] == "present" and answer["verdict"] == "changed":
            self.false_fixed += 1
        if expected["verdict"] == "present" and answer["verdict"] == "removed":
            self.false_removed += 1
        self.uncertain += answer["verdict"] == "uncertain"

    def summary(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.right / self.n if self.n else 1.0,
            "span_cases": self.span_n,
            "span_accuracy": self.span_right / self.span_n if self.span_n else 1.0,
            "false_fixed": self.false_fixed,
            "false_removed": self.false_removed,
            "uncertain": self.uncertain,
        }


def evaluate(cases: list[dict[str, Any]], use_old: bool, repeat: int) -> dict[str, Any]:
    total = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    by_lang: dict[str, Tally] = defaultdict(Tally)
    present_to_changed: list[str] = []
    wrong: list[dict[str, Any]] = []
    times: list[float] = []
    cpu_times: list[float] = []
    for case in cases:
        answer, ms, cpu_ms = timed_call(case, use_old, repeat)
        times.append(ms)
        cpu_times.append(cpu_ms)
        expected = case["expected"]
        ok = verdict_right(answer, expected)
        if expected["verdict"] == "present" and answer["verdict"] == "changed":
            present_to_changed.append(case["id"])
        span_ok = None
        if expected["verdict"] != "removed":
            span_ok = span_right(answer, expected, normalize(case["new_text"]))
        for tally in (total, by_kind[case["kind"]], by_lang[case["lang"]]):
            tally.add(expected, answer, ok, span_ok)
        if not ok or span_ok is False:
            wrong.append({"id": case["id"], "expected": expected, "answer": answer})
    overall = total.summary()
    return {
        "cases": len(cases),
        "verdict_accuracy": overall["accuracy"],
        "by_kind": {k: v.summary() for k, v in sorted(by_kind.items())},
        "by_lang": {k: v.summary() for k, v in sorted(by_lang.items())},
        "present_to_changed": len(present_to_changed),
        "present_to_changed_ids": present_to_changed,
        "false_removed": overall["false_removed"],
        "uncertain": overall["uncertain"],
        "span_cases": overall["span_cases"],
        "span_accuracy": overall["span_accuracy"],
        "ms_median": statistics.median(times),
        "ms_p99": percentile(times, 0.99),
        "ms_max": max(times),
        "cpu_ms_median": statistics.median(cpu_times),
        "cpu_ms_p99": percentile(cpu_times, 0.99),
        "wrong": wrong,
    }


def document(case: dict[str, Any]) -> str:
    """Which source text a case was made from: its id without the number (and without the
    suffix ``cut_context`` adds), or its language for the edits corpus (one article per language)."""
    if "-edits-" in case["id"]:
        return case["lang"]
    return case["id"].split("-cut-")[0].rsplit("-", 1)[0]  # a cut_context case: its original's


def framed(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each case inside a 10,000-character page: unrelated text before and after it.

    The filler comes from cases of another document, so it adds length and look-alike-free
    text but no second copy of the reported sentence; the offsets of the selector and of the
    expected answer move with it. (A case whose page is 10,000 characters already gets none.)
    """
    out = []
    texts: dict[str, str] = {}
    for case in cases:
        texts.setdefault(document(case), case["old_text"])
    for case in cases:
        family = document(case)
        filler = " ".join(text for name, text in texts.items() if name != family)
        while len(filler) < PAGE_SIZE:
            filler = filler + " " + filler
        old = case["old_text"]
        need = max(0, PAGE_SIZE - len(old) - 1)
        before = filler[: need // 2].rstrip() + " "
        after = " " + filler[-(need - need // 2) :].lstrip() if need - need // 2 else ""
        shift = len(before)
        sel = dict(case["selector"])
        sel["start"] += shift
        sel["end"] += shift
        expected = dict(case["expected"])
        if expected["start"] is not None:
            expected["start"] += shift
            expected["end"] += shift
        out.append(
            {
                **case,
                "selector": sel,
                "old_text": before + old + after,
                "new_text": before + case["new_text"] + after,
                "expected": expected,
            }
        )
    return out


def awkward_pages(cases: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str]]:
    """10,000-character pages shaped to make the search work hardest (name, selector, new page).

    A one-letter quote standing hundreds of times; context that is a run of one repeated
    character (``~~~~`` separators before every heading); a page that is one sentence repeated;
    a quote whose paragraph was deleted (nothing is found, so everything is looked at).
    """
    english = " ".join(c["old_text"] for c in cases if c["lang"] == "en")
    text = english[: english.rfind(" ", 0, PAGE_SIZE)]

    def selector(page: str, start: int, exact: str) -> dict[str, Any]:
        end = start + len(exact)
        return {"exact": exact, "prefix": page[start - 32 : start], "suffix": page[end : end + 32],
                "start": start, "end": end}  # fmt: skip

    out = []
    at = text.index(" a ", PAGE_SIZE // 2) + 1
    out.append(("one-letter quote, edited", selector(text, at, "a"), text[: at - 9] + "X" + text[at - 8 :]))
    out.append(("one-letter quote, changed", selector(text, at, "a"), text[:at] + "the" + text[at + 1 :]))
    line = "~" * 78 + " Lesson 1.{0}: A TITLE HERE ** text of the lesson number {0} with some words. "
    tildes = "".join(line.format(i) for i in range(60))[:PAGE_SIZE].strip()
    at = tildes.index("Lesson 1.30")
    out.append(
        (
            "~~~~ before every heading",
            selector(tildes, at, "Lesson"),
            tildes[:at] + "Lessson" + tildes[at + 6 :],
        )
    )
    same = ("The quick brown fox jumps over the lazy dog. " * 300)[:PAGE_SIZE].strip()
    at = same.index("lazy", PAGE_SIZE // 2)
    out.append(("one sentence repeated", selector(same, at, "lazy"), same[:at] + "lazzy" + same[at + 4 :]))
    # A long word of the second half ("Corresponding" in the dev set's licence text).
    word = max(text[PAGE_SIZE // 2 : PAGE_SIZE // 2 + 400].split(), key=len).strip('.,;:()"')
    at = text.index(word, PAGE_SIZE // 2)
    out.append(("paragraph deleted", selector(text, at, word), text[: at - 300] + text[at + 300 :]))
    return out


def first_corpus_for_awkward(loaded: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """English text to shape the awkward pages from: the dev set's, else the edits corpus's."""
    return loaded.get("dev") or loaded["edits"]


def time_awkward(cases: list[dict[str, Any]], repeat: int) -> dict[str, dict[str, float]]:
    timings = {}
    for name, sel, page in awkward_pages(cases):
        _, wall, cpu = timed_call({"selector": sel, "new_text": page, "old_text": None}, False, repeat)
        timings[name] = {"ms": wall, "cpu_ms": cpu}
    return timings


def report(title: str, r: dict[str, Any], lines: list[str]) -> None:
    lines.append(f"== {title}")
    lines.append(f"cases                  {r['cases']}")
    lines.append(f"verdict accuracy       {r['verdict_accuracy']:.2%}")
    lines.append(
        f"  {'kind':<30} {'n':>4} {'verdict':>8} {'span':>8} {'f.fixed':>8} {'f.removed':>9} {'uncertain':>9}"
    )
    rows = list(r["by_kind"].items()) + [(f"lang {lang}", v) for lang, v in r["by_lang"].items()]
    for name, v in rows:
        lines.append(
            f"  {name:<30} {v['n']:>4} {v['accuracy']:>8.2%} {v['span_accuracy']:>8.2%}"
            f" {v['false_fixed']:>8} {v['false_removed']:>9} {v['uncertain']:>9}"
        )
    lines.append(f"false fixed            {r['present_to_changed']}  (present -> changed)")
    lines.append(f"false removed          {r['false_removed']}  (present -> removed)")
    lines.append(f"uncertain              {r['uncertain']}")
    lines.append(f"span accuracy          {r['span_accuracy']:.2%}  (of {r['span_cases']} present/changed)")
    lines.append(
        f"ms per call            median {r['ms_median']:.2f}  p99 {r['ms_p99']:.2f}  max {r['ms_max']:.2f}"
    )
    lines.append(f"CPU ms per call        median {r['cpu_ms_median']:.2f}  p99 {r['cpu_ms_p99']:.2f}")
    for w in r["wrong"][:10]:
        lines.append(f"  wrong: {w['id']}: expected {w['expected']} got {w['answer']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the development set")
    parser.add_argument("--edits", type=Path, help="the corpus of big edits as a file (default: made now)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per call; the fastest counts")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    corpora = {
        "dev": str(args.corpus),
        "edits": str(args.edits or "bench/verify_edits.py, made now"),
        "dev+cut": f"{args.corpus}: present cases, the update paragraph put in inside the prefix or suffix",
    }
    loaded = {"dev": load(args.corpus)} if args.corpus.exists() else {}
    loaded["edits"] = load(args.edits) if args.edits else generate()
    if "dev" in loaded:
        loaded["dev+cut"] = cut_context(loaded["dev"])
    first = next(iter(loaded.values()))[0]
    verify(first["selector"], first["new_text"])  # warm up: lookup tables are built on first use
    results: dict[str, Any] = {}
    lines = [f"timing: best of {args.repeat} runs per call"]
    for name, cases in loaded.items():
        page_cases = framed(cases)
        part = {
            "corpus": corpora[name],
            "without_old_text": evaluate(cases, use_old=False, repeat=args.repeat),
            "with_old_text": evaluate(cases, use_old=True, repeat=args.repeat),
            "page_10k_without_old_text": evaluate(page_cases, use_old=False, repeat=args.repeat),
            "page_10k_with_old_text": evaluate(page_cases, use_old=True, repeat=args.repeat),
        }
        sizes = [len(normalize(c["new_text"])) for c in page_cases]
        part["page_10k_chars"] = {"min": min(sizes), "max": max(sizes)}
        results[name] = part
        lines.append(f"#### {name} corpus: {corpora[name]}")
        report(f"{name}: selector + new text only (old_text=None)", part["without_old_text"], lines)
        report(f"{name}: with old_text", part["with_old_text"], lines)
        size = part["page_10k_chars"]
        lines.append(
            f"-- synthetic pages: every case framed in unrelated text, {size['min']}-{size['max']} chars"
        )
        report(f"{name}: 10k-character pages, old_text=None", part["page_10k_without_old_text"], lines)
        report(f"{name}: 10k-character pages, with old_text", part["page_10k_with_old_text"], lines)
    results["awkward_10k_pages_ms"] = time_awkward(first_corpus_for_awkward(loaded), args.repeat)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    lines.append("== awkward 10k-character pages (worst shapes for the search), ms per call: wall / CPU")
    for name, t in results["awkward_10k_pages_ms"].items():
        lines.append(f"  {name:<28} {t['ms']:6.2f} / {t['cpu_ms']:.2f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
