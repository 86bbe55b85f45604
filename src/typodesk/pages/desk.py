"""What the desk's finding page shows of the page reader: evidence, readings, the spell checker."""

from __future__ import annotations

from django.utils.translation import gettext as _

from typodesk.findings.models import Finding
from typodesk.pages.jobs import language_of
from typodesk.pages.models import PageCheck


def finding_context(finding: Finding) -> dict:
    """Template context for ``pages/_verification.html``."""
    return {
        "page_check": PageCheck.objects.filter(page_id=finding.page_id).first(),
        "evidence": finding.evidence or {},
        "spell_off": spell_off_reason(finding),
    }


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
