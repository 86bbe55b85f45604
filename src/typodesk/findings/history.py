"""What a history row says, in the reader's language of the desk.

Rows written automatically (the page reader, the spam check) store a ``code`` and its
``params``; the sentence is made when the page is shown, in the desk's language. The English
sentence is also kept in ``note``: the API and the exports give it as the row's "reason", and
rows from before codes existed (or imported ones) have only it, so they show it as it is.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from typodesk.findings.models import StatusChange


def _reason(r: dict) -> str:
    """One sign of spam (abuse.spam.Verdict.reasons)."""
    comment = r.get("field") != "suggestion"
    kind = r.get("kind")
    if kind == "word":
        if comment:
            return _("the blocked word “%(word)s” in the comment") % {"word": r.get("word", "")}
        return _("the blocked word “%(word)s” in the suggestion") % {"word": r.get("word", "")}
    if kind == "links":
        n = int(r.get("n", 0))
        if comment:
            return ngettext("%(n)s link in the comment", "%(n)s links in the comment", n) % {"n": n}
        return ngettext("%(n)s link in the suggestion", "%(n)s links in the suggestion", n) % {"n": n}
    if kind == "repeated":
        values = {"pages": int(r.get("pages", 0)), "minutes": int(r.get("minutes", 0))}
        if comment:
            return (
                ngettext(
                    "the same comment on %(pages)s page within %(minutes)s minutes",
                    "the same comment on %(pages)s pages within %(minutes)s minutes",
                    values["pages"],
                )
                % values
            )
        return (
            ngettext(
                "the same suggestion on %(pages)s page within %(minutes)s minutes",
                "the same suggestion on %(pages)s pages within %(minutes)s minutes",
                values["pages"],
            )
            % values
        )
    return ""


def _reasons(params: dict) -> str:
    return "; ".join(filter(None, (_reason(r) for r in params.get("reasons", []))))


def describe(change: StatusChange) -> str:
    """The row's explanation in the active language ("" when it has none)."""
    p = change.params or {}
    code = change.code
    if code == "spam":
        return _("Automatically: %(reasons)s") % {"reasons": _reasons(p)}
    if code == "spam-report":
        return _("Automatically: report #%(report)s looks like spam: %(reasons)s") % {
            "report": p.get("report", ""),
            "reasons": _reasons(p),
        }
    quote = {"exact": p.get("exact", ""), "replacement": p.get("replacement", "")}
    sentences = {
        "fixed-replaced": lambda: _("Fixed on the page: “%(exact)s” now reads “%(replacement)s”.") % quote,
        "fixed-gone": lambda: _("The quoted text is no longer on the page; closed as fixed."),
        "reopened-still": lambda: _("Still on the page after it was marked fixed; reopened."),
        "verified-replaced": lambda: (
            _("Fix verified on the page: “%(exact)s” now reads “%(replacement)s”.") % quote
        ),
        "verified-gone": lambda: _("Fix verified: the quoted text is no longer on the page."),
        "found-again": lambda: _(
            "Found on the page again after it had changed too much to tell; still open."
        ),
        "uncertain-fix": lambda: _(
            "The page changed too much to tell whether the fix is there; not confirmed."
        ),
        "uncertain-open": lambda: _(
            "The page changed too much to tell whether the mistake is still there; left open."
        ),
    }
    if code in sentences:
        return sentences[code]()
    return change.note  # written before codes, or imported: as it was stored


def is_automatic(change: StatusChange) -> bool:
    """A change the spam check made (rather than the page reader)."""
    return change.code.startswith("spam") or (not change.code and change.note.startswith("Automatically"))
