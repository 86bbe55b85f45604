"""Language-aware text helpers: tokens, case folding and case patterns.

Turkish and Azerbaijani pair ``I``/``ı`` and ``İ``/``i``; Python's ``str.lower``
does not, so "IŞIQ".lower() would give "işiq", a different word. Every
comparison in this package therefore goes through :func:`lower` with the
language, never through ``str.lower`` alone.
"""

from __future__ import annotations

import enum
import re
import unicodedata

#: Languages whose dotted and dotless i are two letters.
_DOTTED_I_LANGUAGES = frozenset({"tr", "az"})

#: Apostrophes readers' pages use in words (Ukrainian "пам'ять", English "don't",
#: Turkish "Bakü'de"); dictionaries expect the ASCII one.
_APOSTROPHES = "\u2019\u02bc\u2018`\u00b4"
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(_APOSTROPHES, "'"))

#: Invisible characters that CMSs leave inside words (soft hyphen, zero-width
#: space and joiners); they would make every such word look misspelled.
_INVISIBLE_TABLE = str.maketrans(dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", None))

#: A word: letters, optionally joined by apostrophes ("обов'язково").
#: Hyphens separate words here: each part of "well-known" is checked alone.
WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc][^\W\d_]+)*")


def clean(word: str) -> str:
    """Normalise a word as typed on a page so that dictionaries can look it up."""
    word = unicodedata.normalize("NFC", word.translate(_INVISIBLE_TABLE))
    return word.translate(_APOSTROPHE_TABLE).strip()


_EDGES_RE = re.compile(r"^[\W_]+|[\W_]+$")


def strip_edges(word: str) -> str:
    """Drop punctuation around a selected word ("peeple," → "peeple"): readers select sloppily."""
    return _EDGES_RE.sub("", word)


def lower(word: str, lang: str) -> str:
    """Lower-case ``word`` by the rules of ``lang`` (Turkish I → ı, İ → i)."""
    if lang in _DOTTED_I_LANGUAGES:
        word = word.replace("I", "ı").replace("İ", "i")
    return word.lower()


def upper(word: str, lang: str) -> str:
    """Upper-case ``word`` by the rules of ``lang`` (Turkish i → İ, ı → I)."""
    if lang in _DOTTED_I_LANGUAGES:
        word = word.replace("i", "İ").replace("ı", "I")
    return word.upper()


def capitalize(word: str, lang: str) -> str:
    """Upper-case the first letter only, leaving the rest as it is."""
    return upper(word[:1], lang) + word[1:] if word else word


def fold_key(word: str) -> str:
    """A language-neutral key under which case variants of a word meet.

    Site vocabularies are shared by every language of a site, so they cannot
    use one language's casing rules; merging dotted and dotless i here only
    ever makes two spellings of a name meet, which is what a whitelist wants.
    """
    return clean(word).casefold().replace("i\u0307", "i").replace("ı", "i")


class CasePattern(enum.Enum):
    """How a reader's word is capitalised, so a suggestion can look the same."""

    LOWER = "lower"
    CAPITALIZED = "capitalized"
    UPPER = "upper"
    MIXED = "mixed"


def case_pattern(word: str) -> CasePattern:
    """Classify ``word``'s capitalisation; one letter upper-case counts as Capitalized."""
    letters = [c for c in word if c.isalpha()]
    if not letters or not any(c.isupper() for c in letters):
        return CasePattern.LOWER
    if all(c.isupper() for c in letters):
        return CasePattern.UPPER if len(letters) > 1 else CasePattern.CAPITALIZED
    if letters[0].isupper() and not any(c.isupper() for c in letters[1:]):
        return CasePattern.CAPITALIZED
    return CasePattern.MIXED


def apply_case(suggestion: str, pattern: CasePattern, lang: str) -> str:
    """Give ``suggestion`` the reader's case pattern.

    Only ever raises case: a dictionary that says "Paris" for "pariss" knows
    better than the reader's lower case, so a lower-case word keeps the
    dictionary's capitals.
    """
    if pattern is CasePattern.UPPER:
        return upper(suggestion, lang)
    if pattern is CasePattern.CAPITALIZED:
        return capitalize(suggestion, lang)
    return suggestion


def words(text: str) -> list[tuple[int, int, str]]:
    """Return ``(start, end, word)`` for each word of ``text``, offsets into ``text``."""
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]
