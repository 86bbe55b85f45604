"""The readers' suggestions of a finding as the finding page lists them: one line per correction.

Readers write the same correction in many ways: "which", "Which", or the whole context they
selected, "it was a which moment". Each suggestion is reduced to the words it replaces (the
context the reader typed around them, as the finding's prefix and suffix hold it, is taken off)
and folded by case and spacing, so that the three count as one correction with three readers.
Readers are counted, not reports (the day's reader hash): one reader who sent it twice is one.

The spell checker's correction ranks below the readers' (the page shows it after their list):
where it agrees with one of theirs, that line says so, and among corrections as many readers
suggest, the one it agrees with comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from typodesk.findings.models import Finding, Report
from typodesk.text.diff import diff

#: Distinct (suggestion, reader) pairs read at most: a finding may have thousands of reports.
ROWS_MAX = 5000


@dataclass
class Suggestion:
    text: str
    count: int  # readers
    segments: list
    machine: bool = False  # the spell checker suggests it too
    reason: str = ""  # the spell checker's reason, when it gave one
    variants: list[str] = field(default_factory=list)  # the other ways readers wrote it


def is_the_quote(suggestion: str, exact: str) -> bool:
    """Whether a reader's "suggestion" only repeats the quote (so it suggests nothing)."""
    return suggestion.strip() == exact.strip()


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _starts_word(text: str, at: int) -> bool:
    return at <= 0 or not text[at - 1].isalnum()


def reduce(suggestion: str, finding: Finding) -> str:
    """The suggestion without the context around the quote that the reader typed too."""
    s = suggestion.strip()
    prefix, suffix = finding.prefix, finding.suffix
    lead = 0
    for k in range(min(len(prefix), len(s) - 1), 0, -1):
        # The reader's text starts with the end of the prefix, cut at a space on both sides.
        if s[k - 1].isspace() and prefix[-k:].casefold() == s[:k].casefold():
            if _starts_word(prefix, len(prefix) - k):
                lead = k
                break
    tail = 0
    for k in range(min(len(suffix), len(s) - lead - 1), 0, -1):
        if s[-k].isspace() and suffix[:k].casefold() == s[-k:].casefold():
            if k == len(suffix) or not suffix[k].isalnum():
                tail = k
                break
    core = s[lead : len(s) - tail].strip()
    return core or s


def suggestions_of(finding: Finding, limit: int = 12) -> list[Suggestion]:
    """The distinct corrections, most readers first, the spell checker's agreement marked."""
    rows = (
        Report.objects.filter(finding=finding)
        .exclude(suggestion="")
        .values_list("suggestion", "client_hash")
        .annotate(n=Count("id"))
        .order_by()[:ROWS_MAX]
    )
    readers: dict[str, int] = {}
    written: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    for text, client, n in rows:
        core = reduce(text, finding)
        if is_the_quote(core, finding.exact):
            continue
        key = fold(core)
        written.setdefault(key, {}).setdefault(core, 0)
        written[key][core] += n if not client else 1
        if client:
            if (key, client) in seen:
                continue  # the same reader, written another way
            seen.add((key, client))
            readers[key] = readers.get(key, 0) + 1
        else:
            readers[key] = readers.get(key, 0) + n  # no hash (an import): each report alone
    capital = finding.exact[:1].isupper()
    out = []
    for key, n in readers.items():
        forms = sorted(written[key].items(), key=lambda kv: (-kv[1], kv[0][:1].isupper() != capital, kv[0]))
        text = forms[0][0]
        out.append(Suggestion(text, n, diff(finding.exact, text), variants=[f for f, _ in forms[1:]]))
    machine = _machine(finding)
    if machine is not None:
        for s in out:
            if machine.text and fold(s.text) == fold(machine.text):
                s.machine, s.reason = True, machine.reason
                break
    out.sort(key=lambda s: (-s.count, not s.machine, s.text))
    return out[:limit]


def _machine(finding: Finding) -> Suggestion | None:
    if finding.spell_status != Finding.Spelling.SUGGESTED:
        return None
    if not finding.spell_suggestion and not finding.spell_reason:
        return None
    text = finding.spell_suggestion
    return Suggestion(text, 0, diff(finding.exact, text), machine=True, reason=finding.spell_reason or "")
