"""Accuracy, latency and memory of typodesk.spelling on lists of common misspellings.

Usage::

    .venv/bin/python bench/spelling_bench.py            # every language with a list
    .venv/bin/python bench/spelling_bench.py ru tr -v   # some languages, show misses

Each list is ``bench/data/misspellings-<lang>.txt``: ``misspelled<TAB>correct``
per line, ``#`` starts a comment. Every language runs in its own process so
that the memory figure (RSS increase from loading the dictionary and
frequencies) is not muddied by another language's data. Latency is measured
after loading, per word, on the reader-facing call :func:`suggest`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def read_list(lang: str) -> list[tuple[str, str]]:
    """The ``(misspelled, correct)`` pairs of one language."""
    pairs = []
    for line in (DATA / f"misspellings-{lang}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            wrong, right = line.split("\t")
            pairs.append((wrong, right))
    return pairs


def rss_mb() -> float:
    """Resident set size of this process, in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(lang: str) -> dict:
    """Run one language in this process and return its figures."""
    from typodesk import spelling
    from typodesk.spelling._engine import REGISTRY

    pairs = read_list(lang)
    before = rss_mb()
    started = time.perf_counter()
    lexicon = REGISTRY.lexicon(lang)
    load_s = time.perf_counter() - started
    if lexicon is None:
        return {"lang": lang, "error": spelling.status(lang).detail}
    spelling.suggest(pairs[0][0], lang)  # warm the first-call paths before timing
    after = rss_mb()
    top1 = top5 = 0
    latencies = []
    misses = []
    for wrong, right in pairs:
        t = time.perf_counter()
        found = spelling.suggest(wrong, lang)
        latencies.append((time.perf_counter() - t) * 1000)
        if found[:1] == [right]:
            top1 += 1
        if right in found[:5]:
            top5 += 1
        if found[:1] != [right]:
            misses.append((wrong, right, found))
    latencies.sort()
    return {
        "lang": lang,
        "words": len(pairs),
        "top1": top1 / len(pairs),
        "top5": top5 / len(pairs),
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))],
        "load_s": load_s,
        "rss_mb": after - before,
        "source": lexicon.description,
        "misses": misses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("langs", nargs="*", help="language codes (default: every list in bench/data)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the words not ranked first")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one language, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one), ensure_ascii=False))
        return 0
    langs = args.langs or sorted(
        p.stem.removeprefix("misspellings-") for p in DATA.glob("misspellings-*.txt")
    )
    header = f"{'lang':4} {'words':>5} {'top-1':>6} {'top-5':>6} {'median':>8} {'p99':>8}"
    print(f"{header} {'load':>6} {'RSS+':>7}  source")
    failed = False
    for lang in langs:
        out = subprocess.run(
            [sys.executable, __file__, "--one", lang], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            print(f"{lang:4} failed: {out.stderr.strip().splitlines()[-1:]}")
            failed = True
            continue
        r = json.loads(out.stdout)
        if "error" in r:
            print(f"{lang:4} unavailable: {r['error']}")
            failed = True
            continue
        print(
            f"{lang:4} {r['words']:5d} {r['top1']:6.1%} {r['top5']:6.1%} {r['median_ms']:6.1f}ms"
            f" {r['p99_ms']:6.1f}ms {r['load_s']:5.1f}s {r['rss_mb']:5.0f}MB  {r['source']}"
        )
        if args.verbose:
            for wrong, right, found in r["misses"]:
                print(f"       {wrong} → want {right}, got {', '.join(found) or '(nothing)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
