"""The site's own words, kept in the database so every worker and every restart shares them.

:class:`typodesk.spelling.Vocabulary` trusts a word once it stands on ``min_documents`` (2)
different pages: names recur across a site, typos usually stand on one page. The same rule is
kept here in SQL: ``SiteWord.pages`` counts the site's pages a word stands on *now*; each reading
of a page adds the words that appeared on it and removes the ones that left (a typo fixed on one
of its two pages stops being trusted). A spell check then loads the trusted words of the site
into a ``Vocabulary`` (:func:`site_vocabulary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from typodesk.pages.models import PageCheck, SiteWord
from typodesk.spelling import Vocabulary
from typodesk.spelling.languages import LANGUAGES, parse_tag
from typodesk.spelling.vocabulary import page_words

#: Pages a word must stand on to be trusted: the spelling library's own default.
MIN_PAGES = 2
#: Longer "words" are codes or junk, not names the spell checker should learn.
MAX_WORD = 100
_BATCH = 500


def language_code(lang: str | None) -> str:
    """``en-GB`` → ``en``; empty unless the spell checker knows the language.

    Only the configured languages are recorded (the vocabulary offers a site word as a candidate
    in its own language only), which also bounds the ``languages`` column.
    """
    if not lang:
        return ""
    code = parse_tag(lang).language
    return code if code in LANGUAGES else ""


def learn_page(check: PageCheck, text: str, lang: str) -> None:
    """Record the words of this page's current text; only the difference with last time is written."""
    words = page_words(text, max_length=MAX_WORD)
    before = set(check.words or [])
    added = [k for k in words if k not in before]
    removed = [k for k in before if k not in words]
    code = language_code(lang)
    site_id = check.page.site_id
    with transaction.atomic():
        for keys in _chunks(added):
            SiteWord.objects.bulk_create(
                [SiteWord(site_id=site_id, key=k, surface=words[k][:MAX_WORD], languages="") for k in keys],
                ignore_conflicts=True,
            )
            SiteWord.objects.filter(site_id=site_id, key__in=keys).update(pages=F("pages") + 1)
            if code:
                tag = f",{code},"
                SiteWord.objects.filter(site_id=site_id, key__in=keys, languages="").update(languages=tag)
                SiteWord.objects.filter(site_id=site_id, key__in=keys).exclude(
                    languages__contains=tag
                ).update(languages=Concat(F("languages"), Value(f"{code},")))
        for keys in _chunks(removed):
            SiteWord.objects.filter(site_id=site_id, key__in=keys, pages__gt=0).update(pages=F("pages") - 1)
        PageCheck.objects.filter(pk=check.pk).update(words=sorted(words))
    check.words = sorted(words)


def site_vocabulary(site_id: int) -> Vocabulary:
    """The site's trusted words as a spelling ``Vocabulary``."""
    vocabulary = Vocabulary(min_documents=MIN_PAGES)
    rows = SiteWord.objects.filter(site_id=site_id, pages__gte=MIN_PAGES).values_list("surface", "languages")
    for surface, languages in rows.iterator(chunk_size=2000):
        codes = [c for c in languages.split(",") if c] or [None]
        for code in codes:
            vocabulary.add(surface, lang=code)
    return vocabulary


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(keys), _BATCH):
        yield keys[i : i + _BATCH]


def trusted_words(site_id: int) -> Iterable[str]:
    """The surfaces of the site's trusted words (for tests and the desk)."""
    return SiteWord.objects.filter(site_id=site_id, pages__gte=MIN_PAGES).values_list("surface", flat=True)
