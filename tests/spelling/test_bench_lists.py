"""The misspelling lists used by bench/spelling_bench.py, and an accuracy floor on them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from typodesk import spelling

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import spelling_bench  # noqa: E402

LANGS = ["en", "ru", "uk", "tr", "az"]


@pytest.mark.parametrize("lang", LANGS)
def test_each_list_has_at_least_fifty_real_misspellings(require, lang):
    require(lang)
    pairs = spelling_bench.read_list(lang)
    assert len(pairs) >= 50
    assert len({wrong for wrong, _ in pairs}) == len(pairs), "duplicate entries"
    assert [w for w, _ in pairs if spelling.is_correct(w, lang)] == [], "misspellings the dictionary accepts"
    assert [r for _, r in pairs if not spelling.is_correct(r, lang)] == [], "targets the dictionary rejects"


@pytest.mark.parametrize("lang", LANGS)
def test_accuracy_floor(require, lang):
    # a regression guard, well below what the bench measures (see docs/spelling.md)
    require(lang)
    pairs = spelling_bench.read_list(lang)
    results = [spelling.suggest(wrong, lang) for wrong, _ in pairs]
    top1 = sum(found[:1] == [right] for found, (_, right) in zip(results, pairs)) / len(pairs)
    top5 = sum(right in found[:5] for found, (_, right) in zip(results, pairs)) / len(pairs)
    assert top1 >= 0.85 and top5 >= 0.95, (top1, top5)
