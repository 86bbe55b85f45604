"""Loading lexicons lazily, reporting their status, and ranking candidates."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from typodesk.spelling import _text
from typodesk.spelling._lexicons import HunspellLexicon, Known, Lexicon
from typodesk.spelling.distance import distance
from typodesk.spelling.frequency import FrequencyTable, load_wordfreq
from typodesk.spelling.languages import LANGUAGES, LanguageSpec, Tag, find_hunspell, parse_tag
from typodesk.spelling.vocabulary import Vocabulary

log = logging.getLogger("typodesk.spelling")

#: Candidates further than this (weighted edits) from the reader's word are dropped:
#: past it, a "correction" is a different word, not a fix.
MAX_DISTANCE = 3.0
#: A site word not in the frequency list still ranks like a moderately common word.
SITE_WORD_FREQUENCY = 1e-6
#: Extra distance for a correction that splits the word in two ("public ally"):
#: a reader's selection is rarely two words run together.
SPLIT_PENALTY = 0.5
#: Extra distance for a capitalised correction of a lower-case word: a reader
#: who meant a name would most likely have capitalised it.
CASE_PENALTY = 0.5
#: Extra distance for a candidate missing from the frequency list when others are in it: a form
#: nobody writes ("belediyesin") should not win over a common one half an edit farther
#: ("belediyesinin" for "belediyesinn").
UNATTESTED_PENALTY = 0.5
#: When a cheap candidate is this close, the lexicon's slower candidates are not asked for.
GOOD_ENOUGH = 1.0
#: How many of the most frequent words are searched for two-edit candidates.
COMMON_WORDS = 150_000

INSTALL_HINT = "run scripts/install-system-deps"


@dataclass(frozen=True)
class LanguageStatus:
    """Whether suggestions work for a language, and why not if they don't (for the desk to show)."""

    lang: str
    available: bool
    #: What the suggestions come from, or what is missing and how to fix it.
    detail: str
    #: Whether the dictionary was already loaded into this process.
    loaded: bool = False


class Registry:
    """Lexicons by language code, loaded on first use and kept for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lexicons: dict[str, Lexicon] = {}
        self._failures: dict[str, str] = {}

    def lexicon(self, lang: str) -> Lexicon | None:
        """The lexicon for a tag, loading it if needed; None when the language cannot be checked."""
        tag = parse_tag(lang)
        code = self._code(tag)
        if code is None:
            return None
        lexicon = self._lexicons.get(code)
        if lexicon is not None or code in self._failures:
            return lexicon
        with self._lock:  # one thread loads; the others wait rather than load twice
            if code not in self._lexicons and code not in self._failures:
                try:
                    self._lexicons[code] = _load(LANGUAGES[code])
                except Exception as exc:  # any failure only switches this language off
                    self._failures[code] = str(exc)
                    log.warning("spelling suggestions are off for %s: %s", code, exc)
            return self._lexicons.get(code)

    def status(self, lang: str) -> LanguageStatus:
        """Report without loading: whether the data for ``lang`` is present, or what failed."""
        tag = parse_tag(lang)
        spec = LANGUAGES.get(tag.language)
        if spec is None:
            return LanguageStatus(lang, False, f"no spell checker is configured for {lang!r}")
        if tag.script and tag.script not in spec.scripts:
            return LanguageStatus(
                lang, False, f"{spec.name} is only checked in {'/'.join(spec.scripts)} script"
            )
        if spec.code in self._lexicons:
            return LanguageStatus(lang, True, self._lexicons[spec.code].description, loaded=True)
        if spec.code in self._failures:
            return LanguageStatus(lang, False, self._failures[spec.code])
        problem = _missing(spec)
        if problem:
            return LanguageStatus(lang, False, problem)
        return LanguageStatus(lang, True, "dictionary present, loads on first use")

    def reset(self) -> None:
        """Forget loaded lexicons and failures (tests, or after installing a dictionary)."""
        with self._lock:
            self._lexicons.clear()
            self._failures.clear()

    @staticmethod
    def _code(tag: Tag) -> str | None:
        spec = LANGUAGES.get(tag.language)
        if spec is None or (tag.script and tag.script not in spec.scripts):
            return None
        return spec.code


def _missing(spec: LanguageSpec) -> str | None:
    """What is missing for ``spec``, phrased for an operator; None if nothing."""
    if spec.hunspell:
        from typodesk.spelling._hunspell import library

        try:
            library()
        except ImportError as exc:
            return f"{exc}; {INSTALL_HINT}"
        if find_hunspell(spec) is None:
            package = f" (Debian package {spec.debian_package})" if spec.debian_package else ""
            return (
                f"no Hunspell dictionary {'/'.join(spec.hunspell)} found{package}; {INSTALL_HINT}"
                " or set TYPODESK_HUNSPELL_PATH"
            )
    return None


def _load(spec: LanguageSpec) -> Lexicon:
    """Build the lexicon for ``spec``; raises with an operator-readable message on failure."""
    problem = _missing(spec)
    if problem:
        raise LookupError(problem)
    if spec.code == "az":
        from typodesk.spelling import azerbaijani

        return azerbaijani.AzerbaijaniLexicon(spec, azerbaijani.aspell_words(), azerbaijani.azstemmer_words())
    found = find_hunspell(spec)
    assert found is not None  # checked by _missing
    frequencies: FrequencyTable | None = None
    common: list[str] = []
    if spec.wordfreq:
        try:
            frequencies, common = load_wordfreq(*spec.wordfreq, common=COMMON_WORDS)
        except (ImportError, LookupError, OSError) as exc:
            # Hunspell alone still suggests; only the ordering gets worse
            log.warning("no word frequencies for %s (%s); ranking by edit distance only", spec.code, exc)
    if spec.code == "tr":
        from typodesk.spelling.turkish import TurkishLexicon

        return TurkishLexicon(spec, found[0], found[1], frequencies, common)
    return HunspellLexicon(spec, found[0], found[1], frequencies, common)


REGISTRY = Registry()


def rank(word: str, lexicon: Lexicon, vocabulary: Vocabulary | None, limit: int) -> list[str]:
    """Suggestions for a misspelled ``word``, best first, in the reader's case pattern.

    Order: weighted edit distance (:mod:`~typodesk.spelling.distance`), then
    frequency, then a lower-case spelling over a capitalised one, then
    alphabetical, so that the answer never depends on hash order.
    """
    lang = lexicon.spec.code
    known: Known | None = vocabulary.knows if vocabulary is not None else None
    candidates = list(lexicon.candidates(word, known))
    site_words: set[str] = set()
    if vocabulary is not None:
        near = vocabulary.near(word, lang)
        site_words = {_text.lower(w, lang) for w in near}
        candidates.extend(near)
    scored = _score(word, lexicon, candidates, site_words)
    if not scored or min(scored.values())[0] > GOOD_ENOUGH:
        candidates.extend(lexicon.more_candidates(word))
        scored = _score(word, lexicon, candidates, site_words)
    pattern = _text.case_pattern(word)
    return [_text.apply_case(key[-1], pattern, lang) for key in sorted(scored.values())[:limit]]


def _score(
    word: str, lexicon: Lexicon, candidates: list[str], site_words: set[str]
) -> dict[str, tuple[float, float, int, str]]:
    """Sort key of each distinct (case-insensitively) candidate within :data:`MAX_DISTANCE`."""
    spec = lexicon.spec
    lang = spec.code
    low = _text.lower(word, lang)
    reader_lower = _text.case_pattern(word) is _text.CasePattern.LOWER
    costs = keyboardless_costs(spec) if _typed_without_diacritics(low, spec) else spec.costs
    best: dict[str, tuple[float, float, int, str]] = {}
    for candidate in candidates:
        cand_low = _text.lower(candidate, lang)
        if cand_low == low:
            continue  # only the case differs: not a spelling suggestion
        dist = distance(low, cand_low, costs)
        if (" " in cand_low and " " not in low) or ("-" in cand_low and "-" not in low):
            dist += SPLIT_PENALTY
        capitalised = candidate != cand_low
        if capitalised and reader_lower:
            dist += CASE_PENALTY
        if dist > MAX_DISTANCE:
            continue
        freq = lexicon.frequency(candidate)
        if cand_low in site_words:
            freq = max(freq, SITE_WORD_FREQUENCY)
        key = (round(dist, 3), -freq, int(capitalised), candidate)
        if cand_low not in best or key < best[cand_low]:
            best[cand_low] = key
    if any(key[1] < 0 for key in best.values()):
        best = {
            low: (round(key[0] + UNATTESTED_PENALTY, 3), *key[1:]) if key[1] == 0 else key
            for low, key in best.items()
        }
    return best


#: Cost of restoring a diacritic in a word typed without any: nothing,
#: so that frequency decides between "cünki" and "çünki" for "cunki".
RESTORE_COST = 0.0
_keyboardless: dict[str, dict[tuple[str, str], float]] = {}


def _typed_without_diacritics(low: str, spec: LanguageSpec) -> bool:
    """Does the word avoid every marked letter of the language (typed on a foreign keyboard)?"""
    if not spec.twins:
        return False
    marked = {m for marks in spec.twins.values() for m in marks} - spec.twins.keys()
    return not any(c in marked for c in low)


def keyboardless_costs(spec: LanguageSpec) -> dict[tuple[str, str], float]:
    """``spec.costs`` with plain → marked substitutions (c → ç) made nearly free."""
    table = _keyboardless.get(spec.code)
    if table is None:
        table = dict(spec.costs)
        for plain, marks in spec.twins.items():
            for mark in marks:
                table[(plain, mark)] = RESTORE_COST
        _keyboardless[spec.code] = table
    return table
