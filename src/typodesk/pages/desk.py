"""What the desk's finding page shows of the page reader: evidence, readings, the spell checker."""

from __future__ import annotations

from django.utils.translation import gettext as _

from typodesk.findings.models import Finding
from typodesk.pages.jobs import language_of
from typodesk.pages.models import PageCheck

#: Occurrences of the quote marked in the page's text at most (a frequent word stands everywhere).
MARKED_MAX = 50


def finding_context(finding: Finding) -> dict:
    """Template context for ``pages/_verification.html``."""
    page_check = PageCheck.objects.filter(page_id=finding.page_id).first()
    return {
        "page_check": page_check,
        "evidence": finding.evidence or {},
        "spell_off": spell_off_reason(finding),
        "page_text": page_text(finding, page_check),
    }


def page_text(finding: Finding, page_check: PageCheck | None) -> list[tuple[str, bool]]:
    """The page's text as last read, in pieces, the quote's occurrences marked ``True``.

    Shown when the page reader could not tell whether the mistake is still there
    ("uncertain"): the editors then look for themselves, and the marks show where its words
    still stand. Empty for every other state.
    """
    if finding.verification != Finding.Verification.UNCERTAIN or page_check is None or not page_check.text:
        return []
    text, exact = page_check.text, finding.exact
    pieces: list[tuple[str, bool]] = []
    at = 0
    while len(pieces) < 2 * MARKED_MAX and (found := text.find(exact, at)) >= 0:
        pieces += [(text[at:found], False), (exact, True)]
        at = found + len(exact)
    pieces.append((text[at:], False))
    return [piece for piece in pieces if piece[0]]


def spell_off_reason(finding: Finding) -> str:
    """Why the spell checker made no suggestion for this finding's language, for the editors.

    Said only when the language is the reason: a quote without misspelled words needs no excuse.
    """
    if finding.spell_status != Finding.Spelling.OFF:
        return ""
    lang = language_of(finding)
    if not lang:
        return _("The spell checker is off for this page: its language is unknown (no lang attribute).")
    # The spelling engine (and its dictionaries' code) is loaded by the first finding that asks.
    from typodesk import spelling

    status = spelling.status(lang)
    if status.available:
        return ""  # a dictionary was installed since: new findings get suggestions
    return _("The spell checker is off for “%(lang)s”: %(detail)s.") % {"lang": lang, "detail": status.detail}
