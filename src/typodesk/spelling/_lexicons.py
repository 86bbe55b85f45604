"""Lexicons: what says "this word is correct" and proposes candidates for one that is not.

Two kinds exist. :class:`HunspellLexicon` wraps a Hunspell dictionary through
Debian's ``libhunspell`` (its C API, :mod:`typodesk.spelling._hunspell`): it
checks a word in microseconds, so candidates can be found
by brute force (every one-edit variant of the word is checked) besides
Hunspell's own suggestions, whose ranking is weak but whose reach is wide.
:class:`~typodesk.spelling.azerbaijani.AzerbaijaniLexicon` stands in where no
Hunspell dictionary exists.

Lexicons do not rank: the engine orders every candidate by weighted edit
distance and then by :meth:`Lexicon.frequency`.
"""

from __future__ import annotations

import itertools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from typodesk.spelling import _text
from typodesk.spelling.frequency import FrequencyTable
from typodesk.spelling.languages import LanguageSpec

#: A predicate saying a word is known from elsewhere (the site's vocabulary).
Known = Callable[[str], bool]

#: Upper bound on diacritic-restoration variants tried for one word.
MAX_UNFOLDINGS = 512


class Lexicon(ABC):
    """A language's notion of correct words."""

    spec: LanguageSpec
    #: Human-readable sources, shown by :func:`typodesk.spelling.status`.
    description: str

    @abstractmethod
    def accepts(self, word: str, known: Known | None = None) -> bool:
        """Is ``word`` (as typed, any case) correctly spelled?"""

    @abstractmethod
    def candidates(self, word: str, known: Known | None = None) -> Iterable[str]:
        """Correct words that may be what the reader meant by ``word``, unranked; cheap to compute."""

    def more_candidates(self, word: str) -> Iterable[str]:
        """Slower, wider-reaching candidates, asked for only when the cheap ones are all far off."""
        return ()

    @abstractmethod
    def frequency(self, word: str) -> float:
        """How common the lower-cased ``word`` is (0.0 when unknown); orders equally close candidates."""


def edits1(word: str, alphabet: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in alphabet if c != b[0])
    out.update(a + c + b for a, b in splits for c in alphabet)
    out.discard(word)
    return out


def unfoldings(word: str, twins: dict[str, str], limit: int = MAX_UNFOLDINGS) -> list[str]:
    """Variants of ``word`` with plain letters replaced by the marked letters they may stand for.

    "ogrenci" → "öğrenci" among others: a reader without a Turkish keyboard
    drops every diacritic at once, which one-edit candidates cannot undo.
    Gives up (returns nothing) past ``limit`` variants rather than be slow.
    """
    options = [c + twins.get(c, "") for c in word]
    total = 1
    for opt in options:
        total *= len(opt)
        if total > limit:
            return []
    if total == 1:
        return []
    return ["".join(p) for p in itertools.product(*options) if "".join(p) != word]


class HunspellLexicon(Lexicon):
    """A Hunspell dictionary plus a frequency list.

    Cheap candidates: every one-edit variant and diacritic restoration the
    dictionary accepts, splits into two accepted words, and common words two
    edits away. Hunspell's own ``suggest`` (100–250 ms for Ukrainian and
    Turkish) is the fallback: when a one-edit correction exists, nothing it
    adds could rank above it.
    """

    def __init__(
        self,
        spec: LanguageSpec,
        dic: Path,
        aff: Path,
        frequencies: FrequencyTable | None,
        common_words: list[str] | None = None,
    ) -> None:
        from typodesk.spelling._hunspell import Hunspell  # libhunspell absent → ImportError

        self.spec = spec
        self._hunspell = Hunspell(dic, aff)
        # the C object is not thread-safe and Django serves requests from threads
        self._lock = threading.Lock()
        self._frequencies = frequencies
        self._common = common_words or []
        self.description = f"Hunspell {dic.with_suffix('')}" + (
            f" + wordfreq {spec.wordfreq[0]}/{spec.wordfreq[1]}" if frequencies and spec.wordfreq else ""
        )

    def _spell(self, word: str) -> bool:
        try:
            return bool(self._hunspell.spell(word))
        except UnicodeError:  # a letter the dictionary's encoding lacks cannot be right
            return False

    def accepts(self, word: str, known: Known | None = None) -> bool:
        with self._lock:
            return self._spell(word)

    def candidates(self, word: str, known: Known | None = None) -> list[str]:
        lang = self.spec.code
        low = _text.lower(word, lang)
        probes = edits1(low, self.spec.alphabet)
        probes.update(unfoldings(low, self.spec.twins))
        if self._common:
            near = process.extract(low, self._common, scorer=OSA.distance, score_cutoff=2, limit=30)
            probes.update(match for match, _score, _index in near)
        found: list[str] = []
        with self._lock:
            for probe in probes:
                if self._spell(probe):
                    found.append(probe)
                else:
                    # names: "Pariss" → "Paris", which Hunspell only knows capitalised
                    title = _text.capitalize(probe, lang)
                    if self._spell(title):
                        found.append(title)
            # a missing space: "alot" → "a lot"
            for i in range(1, len(low)):
                head, tail = low[:i], low[i:]
                if len(head) > 1 and len(tail) > 1 and self._spell(head) and self._spell(tail):
                    found.append(f"{head} {tail}")
        return found

    def more_candidates(self, word: str) -> list[str]:
        with self._lock:
            try:
                return [s for s in self._hunspell.suggest(word) if s]
            except UnicodeError:
                return []

    def frequency(self, word: str) -> float:
        if self._frequencies is None:
            return 0.0
        low = _text.lower(word, self.spec.code)
        parts = low.replace("-", " ").split()
        if len(parts) <= 1:
            return self._frequencies.frequency(low)
        # "a lot" for "alot": as likely as its rarest word, and less likely than a single word
        freq = 1.0
        for part in parts:
            freq *= self._frequencies.frequency(part)
        return freq
