"""Turkish: Hunspell plus the common spellings its dictionary lacks, with their suffixes.

Debian's ``tr_TR`` dictionary knows "hükumet" but not "hükümet", the spelling
Turkish newspapers print far more often (wordfreq: 7.8e-5 against 1.8e-6), so
"hükümetin" was flagged on every news page. A word the dictionary rejects is
accepted here when it is a known stem plus suffixes:

* the stem is common (wordfreq at least :data:`COMMON_STEM`), and
* the dictionary has a *variant* of it one letter away ("hükumet") that is
  rarer than the stem: the dictionary merely lacks the common spelling. If the
  variant were the more common one ("değil" for "degil"), the stem would be a
  misspelling of it, and stays rejected;
* the dictionary accepts the variant with the same suffixes ("hükumet-in-in"),
  so Hunspell's own Turkish morphology decides whether the suffixes are right.

The same acceptance feeds the candidates, so that an inflected misspelling
("hükümetinn") is corrected to its inflected form ("hükümetin").
"""

from __future__ import annotations

import threading
from typing import Any

from typodesk.spelling import _text
from typodesk.spelling._lexicons import HunspellLexicon, Known, edits1, unfoldings

#: How common (wordfreq) a stem must be for its own spelling to be trusted over the dictionary.
COMMON_STEM = 1e-5
#: Stems shorter than this are left to the dictionary ("ev", "su": too many variants).
MIN_STEM = 4
#: Vowels the dictionary may spell otherwise: with or without a circumflex, rounded or not,
#: dotted or dotless ("hükumet" for "hükümet").
VARIANTS: dict[str, str] = {
    "a": "â", "â": "a", "i": "îı", "î": "iı", "ı": "i", "u": "ûü", "û": "uü", "ü": "uû", "o": "ö", "ö": "o",
}  # fmt: skip


class TurkishLexicon(HunspellLexicon):
    """:class:`HunspellLexicon` that also accepts common spellings its dictionary lacks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lacking: dict[str, str] | None = None
        self._lacking_lock = threading.Lock()

    def accepts(self, word: str, known: Known | None = None) -> bool:
        if super().accepts(word, known):
            return True
        return self._common_spelling(_text.lower(word, self.spec.code))

    def candidates(self, word: str, known: Known | None = None) -> list[str]:
        found = super().candidates(word, known)
        lacking = self.lacking()
        if not lacking:
            return found
        low = _text.lower(word, self.spec.code)
        probes = edits1(low, self.spec.alphabet)
        probes.update(unfoldings(low, self.spec.twins))
        seen = {_text.lower(f, self.spec.code) for f in found}
        found += [p for p in probes if p not in seen and self._common_spelling(p)]
        return found

    def lacking(self) -> dict[str, str]:
        """Common stems the dictionary lacks → its rarer variant; found once, on first use.

        Some 200 ms for the few thousand words above :data:`COMMON_STEM`; after that a
        rejected word costs a dictionary lookup per way of cutting it.
        """
        if self._lacking is None:
            with self._lacking_lock:
                if self._lacking is None:
                    table: dict[str, str] = {}
                    for stem in self._common:  # most frequent first
                        if self.frequency(stem) < COMMON_STEM:
                            break
                        variant = self._dictionary_variant(stem) if len(stem) >= MIN_STEM else None
                        if variant is not None:
                            table[stem] = variant
                    self._lacking = table
        return self._lacking

    def _common_spelling(self, low: str) -> bool:
        """Is ``low`` a common stem the dictionary lacks, plus suffixes the dictionary allows?"""
        lacking = self.lacking()
        for cut in range(len(low), MIN_STEM - 1, -1):
            variant = lacking.get(low[:cut])
            if variant is not None:
                with self._lock:
                    return self._spell(variant + low[cut:])
        return False

    def _dictionary_variant(self, stem: str) -> str | None:
        """The dictionary's rarer spelling of a common ``stem`` it lacks, if there is one."""
        freq = self.frequency(stem)
        with self._lock:
            if self._spell(stem) or self._spell(_text.capitalize(stem, self.spec.code)):
                return None  # the dictionary knows it (or knows it as a name, "Türkiye")
            variants = [
                v
                for i, letter in enumerate(stem)
                for other in VARIANTS.get(letter, "")
                if self._spell(v := stem[:i] + other + stem[i + 1 :])
            ]
        rarer = [v for v in variants if self.frequency(v) < freq]
        if not rarer or len(rarer) != len(variants):
            return None  # no variant, or a more common one: then the stem is a misspelling
        return min(rarer, key=lambda v: (-self.frequency(v), v))
