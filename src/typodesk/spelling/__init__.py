"""The spell checker's own suggestions, shown beside the readers' ones.

When a reader reports a quote with a misspelled word, the desk proposes a
correction "suggested by the spell checker", in the page's language::

    >>> suggest("peeple", "en")[0]
    'people'
    >>> suggest_for_quote("the peeple of Aghdam", "en-US")
    'the people of Aghdam'

How a suggestion is chosen (see ``docs/spelling.md``): a dictionary says
whether the word is correct (Hunspell for en, ru, uk, tr; word lists plus a
suffix grammar for az); candidates come from the dictionary's own suggestions,
every one-edit variant it accepts, diacritic restorations and the site's own
words; they are ranked by a weighted Damerau-Levenshtein distance, then by word
frequency (``wordfreq``). Dictionaries load on first use and stay cached; a
language whose dictionary is missing gets no suggestions and says why in
:func:`status`, it never raises.

Real-word errors: :func:`suggest_in_context` reads the selection with the
text around it and proposes what it should read with a reason ("More then
two thousand" → "than", "than after a comparative"; "the the" → "the",
"repeated word"), from small rules per language kept as data
(``rules/<lang>.toml``, see :mod:`typodesk.spelling.context`).

Site words: feed a :class:`Vocabulary` with the words of the site's pages so
that its names (Khankendi, Garabagh) are never "corrected", and pass it to
:func:`suggest` / :func:`suggest_for_quote`; :func:`learn` feeds a process-wide
default vocabulary for callers that serve a single site.
"""

from __future__ import annotations

from collections.abc import Iterable

from typodesk.spelling import _text
from typodesk.spelling._engine import REGISTRY, LanguageStatus, rank
from typodesk.spelling.context import Suggestion, suggest_in_context
from typodesk.spelling.languages import LANGUAGES
from typodesk.spelling.vocabulary import Vocabulary

__all__ = [
    "LanguageStatus",
    "Suggestion",
    "Vocabulary",
    "available_languages",
    "default_vocabulary",
    "is_correct",
    "learn",
    "status",
    "suggest",
    "suggest_for_quote",
    "suggest_in_context",
]

#: Suggestions returned by default: enough to pick from, few enough to show.
DEFAULT_LIMIT = 5

#: Upper-case words this short are taken for acronyms (NATO, OSCE) in quotes.
ACRONYM_MAX_LENGTH = 5

_default_vocabulary = Vocabulary()


def default_vocabulary() -> Vocabulary:
    """The vocabulary used when a call passes none (fed by :func:`learn`)."""
    return _default_vocabulary


def learn(
    site_words: Iterable[str],
    lang: str | None = None,
    *,
    document: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> None:
    """Feed the words of one page (``document``, e.g. its URL) into ``vocabulary`` or the default one."""
    (vocabulary if vocabulary is not None else _default_vocabulary).learn(
        site_words, lang=lang, document=document
    )


def status(lang: str) -> LanguageStatus:
    """Whether suggestions work for ``lang`` and from what, or what is missing; never loads a dictionary."""
    return REGISTRY.status(lang)


def available_languages() -> list[str]:
    """Codes of the configured languages whose dictionaries are present on this machine."""
    return [code for code in LANGUAGES if REGISTRY.status(code).available]


def _vocabulary(vocabulary: Vocabulary | None) -> Vocabulary:
    return vocabulary if vocabulary is not None else _default_vocabulary


def _is_correct(word: str, lang: str, vocabulary: Vocabulary) -> bool | None:
    """True/False for a checkable word, None when the language has no dictionary."""
    lexicon = REGISTRY.lexicon(lang)
    if lexicon is None:
        return None
    if vocabulary.knows(word):
        return True
    # Turkish writes suffixes of names after an apostrophe: "Xankəndi'de"
    if "'" in word and vocabulary.knows(word.split("'", 1)[0]):
        return True
    return lexicon.accepts(word, vocabulary.knows)


def is_correct(word: str, lang: str, vocabulary: Vocabulary | None = None) -> bool | None:
    """Is ``word`` spelled correctly in ``lang``? None when ``lang`` cannot be checked."""
    word = _text.strip_edges(_text.clean(word))
    if not _checkable(word):
        return True
    return _is_correct(word, lang, _vocabulary(vocabulary))


def _checkable(word: str) -> bool:
    """Words made of letters (and inner apostrophes) only; numbers and codes are left alone."""
    return bool(word) and _text.WORD_RE.fullmatch(word) is not None


def suggest(
    word: str, lang: str, *, vocabulary: Vocabulary | None = None, limit: int = DEFAULT_LIMIT
) -> list[str]:
    """Corrections for ``word`` in ``lang``, best first, in the word's case pattern.

    Empty when the word is correct (for the dictionary or the site's
    vocabulary), when it is not a word (digits, punctuation), or when ``lang``
    has no dictionary here (see :func:`status`). ``lang`` may be a tag such as
    ``en-US`` or ``az-Latn``. Punctuation around the word is ignored.
    """
    word = _text.strip_edges(_text.clean(word))
    if not _checkable(word):
        return []
    vocab = _vocabulary(vocabulary)
    if _is_correct(word, lang, vocab) is not False:
        return []
    lexicon = REGISTRY.lexicon(lang)
    assert lexicon is not None  # _is_correct returned False, so it loaded
    return rank(word, lexicon, vocab, limit)


def suggest_for_quote(exact: str, lang: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The reader's quote with each misspelled word replaced by its best suggestion.

    None when nothing in the quote is misspelled, nothing misspelled has a
    suggestion, or ``lang`` has no dictionary. Short all-capital words are
    taken for acronyms and left alone.
    """
    text = _text.clean(exact) if exact.strip() else exact
    # keep the quote's own spacing: clean() strips, so re-attach what it removed
    lead = exact[: len(exact) - len(exact.lstrip())]
    trail = exact[len(exact.rstrip()) :]
    changed = False
    pieces: list[str] = []
    pos = 0
    for start, end, word in _text.words(text):
        pieces.append(text[pos:start])
        replacement = word
        if len(word) > 1 and not (word.isupper() and len(word) <= ACRONYM_MAX_LENGTH):
            found = suggest(word, lang, vocabulary=vocabulary, limit=1)
            if found:
                replacement, changed = found[0], True
        pieces.append(replacement)
        pos = end
    pieces.append(text[pos:])
    return lead + "".join(pieces) + trail if changed else None
