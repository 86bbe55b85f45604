"""A site's own vocabulary: the words its pages use that no dictionary knows.

News sites write names that generic dictionaries lack (Khankendi, Aghdam,
Garabagh) and would "correct" into something else. The page reader feeds each
page's words to a :class:`Vocabulary`; a word the site uses on enough pages is
then accepted as correct in every language, and offered as a candidate when a
reader selects a near miss of it ("Khankendy").

Why "enough pages": the pages are also where the typos are. A typo usually
sits on one page, a name recurs, so a word is only trusted once it was seen in
``min_documents`` different documents (2 by default). Words an editor
confirms (:meth:`Vocabulary.add`) are trusted at once.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from typodesk.spelling import _text
from typodesk.spelling.languages import parse_tag

_anonymous_documents = itertools.count()


def page_words(text: str, *, max_length: int = 100) -> dict[str, str]:
    """Fold key → how ``text`` writes the word (a lower-case spelling preferred).

    What a caller stores to feed a :class:`Vocabulary` later (typodesk.pages keeps each site's
    words in the database): words longer than ``max_length`` are codes or junk, not names."""
    found: dict[str, str] = {}
    for _start, _end, raw in _text.words(text):
        word = _text.clean(raw)
        if len(word) > max_length or not any(c.isalpha() for c in word):
            continue
        key = _text.fold_key(word)
        if len(key) > max_length:
            continue
        if key not in found or (word.islower() and not found[key].islower()):
            found[key] = word
    return found


class Vocabulary:
    """Words of one site, learned from its pages; safe to share between threads."""

    def __init__(self, *, min_documents: int = 2) -> None:
        """``min_documents``: on how many distinct documents a word must appear to be trusted."""
        if min_documents < 1:
            raise ValueError("min_documents must be at least 1")
        self.min_documents = min_documents
        self._lock = threading.Lock()
        # key -> ids of the documents it was seen in, until trusted (then None)
        self._documents: dict[str, set[str] | None] = {}
        self._count: dict[str, int] = {}  # key -> occurrences, a site-local frequency
        self._surface: dict[str, str] = {}  # key -> how the site writes the word
        self._languages: dict[str, frozenset[str]] = {}  # key -> languages it was learned under
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        self._choices: dict[str | None, tuple[list[str], list[str]]] = {}  # lang -> (keys, surfaces)

    def learn(self, words: Iterable[str], *, lang: str | None = None, document: str | None = None) -> None:
        """Record the words of one document (a page, usually).

        ``document`` identifies the page (its URL, say) so that reading the
        same page again does not count it twice; without it every call counts
        as a new document. ``lang`` is the page's language; words are trusted
        in every language, but are only offered as candidates in their own.
        """
        doc = document if document is not None else f"#anonymous-{next(_anonymous_documents)}"
        language = _language(lang)
        seen: dict[str, str] = {}
        counts: dict[str, int] = {}
        for raw in words:
            word = _text.clean(raw)
            if not any(c.isalpha() for c in word):
                continue
            key = _text.fold_key(word)
            counts[key] = counts.get(key, 0) + 1
            # prefer a lower-case spelling: a capital may just start a sentence
            if key not in seen or (word.islower() and not seen[key].islower()):
                seen[key] = word
        with self._lock:
            for key, word in seen.items():
                self._record(key, word, counts[key], doc, language)
            self._choices.clear()

    def learn_text(self, text: str, *, lang: str | None = None, document: str | None = None) -> None:
        """Split ``text`` into words and :meth:`learn` them as one document."""
        self.learn((w for _, _, w in _text.words(text)), lang=lang, document=document)

    def add(self, word: str, *, lang: str | None = None) -> None:
        """Trust ``word`` at once (an editor said it is not a mistake)."""
        word = _text.clean(word)
        key = _text.fold_key(word)
        with self._lock:
            self._record(key, word, 1, None, _language(lang))
            self._documents[key] = None
            self._choices.clear()

    def knows(self, word: str) -> bool:
        """Is ``word`` trusted (seen on enough documents, or added by an editor)?"""
        key = _text.fold_key(word)
        with self._lock:
            return key in self._documents and self._documents[key] is None

    __contains__ = knows

    def count(self, word: str) -> int:
        """How often the site used ``word`` (any case), trusted or not."""
        return self._count.get(_text.fold_key(word), 0)

    def words(self, lang: str | None = None) -> list[str]:
        """Trusted words as the site writes them; only those learned under ``lang`` if given."""
        return list(self._snapshot(lang)[1])

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for docs in self._documents.values() if docs is None)

    def near(self, word: str, lang: str | None, max_distance: int = 2, limit: int = 20) -> list[str]:
        """Trusted words within ``max_distance`` edits of ``word`` (case-insensitive)."""
        keys, surfaces = self._snapshot(lang)
        if not keys:
            return []
        found = process.extract(
            _text.fold_key(word), keys, scorer=OSA.distance, score_cutoff=max_distance, limit=limit
        )
        return [surfaces[index] for _key, _score, index in found]

    def _record(self, key: str, word: str, count: int, doc: str | None, language: str | None) -> None:
        docs = self._documents.get(key, set())
        if docs is not None and doc is not None:
            docs.add(doc)
            if len(docs) >= self.min_documents:
                docs = None
        self._documents[key] = docs
        self._count[key] = self._count.get(key, 0) + count
        old = self._surface.get(key)
        if old is None or (word.islower() and not old.islower()):
            self._surface[key] = word
        if language is not None:
            langs = self._languages.get(key, frozenset()) | {language}
            self._languages[key] = self._interned.setdefault(langs, langs)

    def _snapshot(self, lang: str | None) -> tuple[list[str], list[str]]:
        language = _language(lang)
        with self._lock:
            cached = self._choices.get(language)
            if cached is None:
                keys = [
                    key
                    for key, docs in self._documents.items()
                    if docs is None
                    and (language is None or language in self._languages.get(key, frozenset({language})))
                ]
                cached = (keys, [self._surface[k] for k in keys])
                self._choices[language] = cached
            return cached


def _language(lang: str | None) -> str | None:
    """Reduce a tag to the language code vocabularies are keyed by."""
    if not lang:
        return None
    return parse_tag(lang).language or None
