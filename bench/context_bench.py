"""Accuracy, false alarms and latency of typodesk.spelling.suggest_in_context, per language.

Usage::

    .venv/bin/python bench/context_bench.py            # every language
    .venv/bin/python bench/context_bench.py ru tr -v   # some languages, list misses and false alarms

Two measurements per language:

* **Real-word and repeated-word errors**: ``bench/data/context-<lang>.txt``,
  one case a line: ``prefix[selection]suffix<TAB>what the selection should
  read`` (``(delete)`` when the selection should go). Top-1 is the share of
  cases whose first suggestion is exactly the expected text; the file names
  the sources its patterns come from. The rules were written beside these
  cases, so ``context-<lang>-unseen.txt`` holds 20 more per language written
  afterwards and measured without changing a rule for them ("unseen").
* **False alarms on correct text**: every sentence of :func:`correct_sentences`
  is given as a selection (no context, so every rule sees every word); a
  sentence with any suggestion is a false alarm, unless it is one of the
  translations' own mistakes listed in ``bench/data/corpus-mistakes-<lang>.txt``
  (counted apart as "mistakes"). The corpus is the sentences
  written for this bench (``bench/data/correct-<lang>.txt``) plus the
  translations that installed packages ship: Django's own message catalogues
  and, where present, Debian's ``/usr/share/locale`` catalogues (for English,
  their source strings). Nothing is downloaded.

Latency is per finding, after loading: the worker's two calls,
``suggest_for_quote`` and ``suggest_in_context``, on each case ("median",
"max"), and on the cases together with one finding per misspelling of
``bench/data/misspellings-<lang>.txt`` ("+typos" median and p90), where the
misspelled word makes the spell checker search for candidates.
"""

from __future__ import annotations

import argparse
import gettext
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(DATA.parent))  # spelling_bench, beside this file
DELETE = "(delete)"
LANGS = ["az", "en", "ru", "tr", "uk"]
#: Sentences of at least this many words are kept from message catalogues (shorter ones are labels).
MIN_WORDS = 4
#: Catalogue strings with markup or placeholders this dense are code, not prose.
_CODE_RE = re.compile(r"[<>{}\[\]|\\/=@#$^~*]|%\(?\w*\)?[sdifu]|--|\b\w+_\w+\b|\.\w{2,4}\b")
_ACCEL_RE = re.compile(r"(?<=\w)_(?=\w)|(?<!\w)_(?=\w)|&(?=\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁІЇЄҐÇĞİÖŞÜƏ«\"“])")


def read_cases(lang: str, unseen: bool = False) -> list[tuple[str, str, str, str]]:
    """The ``(prefix, selection, suffix, expected)`` cases of one language (or its unseen ones)."""
    cases = []
    name = f"context-{lang}{'-unseen' if unseen else ''}.txt"
    for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, expected = line.split("\t")
        m = re.fullmatch(r"(.*)\[(.+?)\](.*)", text)
        if m is None:
            raise ValueError(f"{name} line {n}: mark the selection with [ ]")
        cases.append((m.group(1), m.group(2), m.group(3), "" if expected == DELETE else expected))
    return cases


def _catalogue_strings(path: Path, source: bool) -> list[str]:
    """Translated strings (or, with ``source``, the English originals) of a compiled .mo catalogue."""
    try:
        with path.open("rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    except Exception:  # an unreadable or malformed catalogue adds nothing: skip it
        return []
    out = []
    for key, value in catalog.items():
        text = key[0] if isinstance(key, tuple) else key
        if source:
            out.append(str(text))
        elif isinstance(value, str) and text:
            out.append(value)
    return out


def _catalogues(lang: str) -> list[Path]:
    import django

    django_dir = Path(django.__file__).parent
    code = "ru" if lang == "en" else lang  # English: the source strings of the Russian catalogues
    paths = sorted(django_dir.glob(f"**/locale/{code}/LC_MESSAGES/*.mo"))
    if lang != "en":  # typodesk's own translations (its English is the source, not a translation)
        own = Path(__file__).resolve().parents[1] / "src" / "typodesk"
        paths += sorted(own.glob(f"*/locale/{code}/LC_MESSAGES/*.mo"))
    paths += sorted(Path("/usr/share/locale").glob(f"{code}/LC_MESSAGES/*.mo"))
    return paths


def _prose(text: str) -> list[str]:
    """The sentences of a catalogue string that read as prose, without accelerator marks."""
    if _CODE_RE.search(text) or "\n\n" in text:
        return []
    text = " ".join(_ACCEL_RE.sub("", text).split())
    return [s for s in _SENTENCE_END.split(text) if len(s.split()) >= MIN_WORDS]


def correct_sentences(lang: str) -> list[str]:
    """Correct sentences of ``lang``: written for the bench, then shipped catalogue translations."""
    written = DATA / f"correct-{lang}.txt"
    out: list[str] = []
    if written.is_file():
        out += [
            line.strip()
            for line in written.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    for path in _catalogues(lang):
        for text in _catalogue_strings(path, source=lang == "en"):
            out += _prose(text)
    return list(dict.fromkeys(out))


def corpus_mistakes(lang: str) -> set[str]:
    """Sentences of the shipped translations that do contain a mistake the rules find.

    Listed by hand in ``bench/data/corpus-mistakes-<lang>.txt`` after reading each one (a
    repeated word, "less then", a Russianism): a suggestion there is right, not a false alarm.
    """
    path = DATA / f"corpus-mistakes-{lang}.txt"
    if not path.is_file():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line.strip() and not line.startswith("#")}


def measure(lang: str) -> dict:
    """Run one language in this process and return its figures."""
    from typodesk import spelling
    from typodesk.spelling._engine import REGISTRY

    if REGISTRY.lexicon(lang) is None:
        return {"lang": lang, "error": spelling.status(lang).detail}
    cases = read_cases(lang)
    spelling.suggest_in_context(cases[0][1], cases[0][0], cases[0][2], lang)  # warm up
    top1 = 0
    latencies = []
    misses = []
    for prefix, exact, suffix, expected in cases:
        t = time.perf_counter()
        spelling.suggest_for_quote(exact, lang)
        found = spelling.suggest_in_context(exact, prefix, suffix, lang)
        latencies.append((time.perf_counter() - t) * 1000)
        if found and found[0].text == expected:
            top1 += 1
        else:
            misses.append((f"{prefix}[{exact}]{suffix}", expected, [s.text for s in found]))
    # findings whose quote is a misspelling (bench/data/misspellings-<lang>.txt): the slow path
    import spelling_bench  # beside this file (sys.path above)

    mixed = list(latencies)
    for wrong, _right in spelling_bench.read_list(lang):
        t = time.perf_counter()
        spelling.suggest_for_quote(wrong, lang)
        spelling.suggest_in_context(wrong, "", "", lang)
        mixed.append((time.perf_counter() - t) * 1000)
    unseen = read_cases(lang, unseen=True)
    unseen_hits = 0
    for prefix, exact, suffix, expected in unseen:
        found = spelling.suggest_in_context(exact, prefix, suffix, lang)
        if found and found[0].text == expected:
            unseen_hits += 1
        else:
            misses.append((f"unseen: {prefix}[{exact}]{suffix}", expected, [s.text for s in found]))
    sentences = correct_sentences(lang)
    known = corpus_mistakes(lang)
    alarms = []
    found_mistakes = 0
    started = time.perf_counter()
    for sentence in sentences:
        found = spelling.suggest_in_context(sentence, "", "", lang)
        if found and sentence in known:
            found_mistakes += 1
        elif found:
            alarms.append((sentence, found[0].text, found[0].reason))
    per_sentence_ms = (time.perf_counter() - started) * 1000 / max(1, len(sentences))
    return {
        "lang": lang,
        "cases": len(cases),
        "top1": top1 / len(cases),
        "unseen": len(unseen),
        "unseen_top1": unseen_hits / len(unseen),
        "median_ms": statistics.median(latencies),
        "max_ms": max(latencies),
        "mixed_median_ms": statistics.median(mixed),
        "mixed_p90_ms": sorted(mixed)[int(0.9 * (len(mixed) - 1))],
        "sentences": len(sentences),
        "alarms": len(alarms),
        "corpus_mistakes": found_mistakes,
        "per_1000": 1000 * len(alarms) / max(1, len(sentences)),
        "sentence_ms": per_sentence_ms,
        "misses": misses,
        "alarm_list": alarms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("langs", nargs="*", help="language codes (default: all five)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false alarms")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one language, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one), ensure_ascii=False))
        return 0
    print(
        f"{'lang':4} {'cases':>5} {'top-1':>6} {'unseen':>6} {'top-1':>6} {'median':>8} {'max':>8}"
        f" {'+typos':>8} {'p90':>8}"
        f" {'sentences':>9} {'mistakes':>8} {'false':>6} {'per 1000':>8}"
    )
    failed = False
    for lang in args.langs or LANGS:
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
            f"{lang:4} {r['cases']:5d} {r['top1']:6.1%} {r['unseen']:6d} {r['unseen_top1']:6.1%}"
            f" {r['median_ms']:6.1f}ms {r['max_ms']:6.1f}ms"
            f" {r['mixed_median_ms']:6.1f}ms {r['mixed_p90_ms']:6.1f}ms"
            f" {r['sentences']:9d} {r['corpus_mistakes']:8d} {r['alarms']:6d} {r['per_1000']:8.2f}"
        )
        if args.verbose:
            for text, want, got in r["misses"]:
                print(f"   miss  {text} → want {want or DELETE!r}, got {got}")
            for sentence, text, reason in r["alarm_list"]:
                print(f"   false {sentence!r} → {text!r} ({reason})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
