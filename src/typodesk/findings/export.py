"""The JSON export of a site's findings (documented in docs/export.md)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.sites.models import Site

EXPORT_VERSION = 1


def _iso(dt) -> str | None:
    return dt.isoformat() if dt else None


def finding_dict(f: Finding, reports: list[Report], history: list[StatusChange] = ()) -> dict:
    return {
        "id": f.pk,
        "url": f.page.url,
        "title": f.page.title,
        "lang": f.page.lang,
        "status": f.status,
        "quote": {"exact": f.exact, "prefix": f.prefix, "suffix": f.suffix, "start": f.start, "end": f.end},
        "report_count": f.report_count,
        "created": _iso(f.created),
        "last_reported": _iso(f.last_reported),
        "status_changed": _iso(f.status_changed),
        "note": f.note,
        "duplicate_of": f.duplicate_of_id,
        "history": [
            {
                "created": _iso(h.created),
                "user": h.user.email if h.user else None,
                "old_status": h.old_status,
                "new_status": h.new_status,
                "reason": h.note,
                "note": h.new_note,
                "duplicate_of": h.duplicate_of_id,
            }
            for h in history
        ],
        "reports": [
            {
                "id": r.pk,
                "created": _iso(r.created),
                "url": r.url,
                "title": r.title,
                "lang": r.lang,
                "quote": {
                    "exact": r.exact,
                    "prefix": r.prefix,
                    "suffix": r.suffix,
                    "start": r.start,
                    "end": r.end,
                },
                "suggestion": r.suggestion,
                "comment": r.comment,
            }
            for r in reports
        ],
    }


def iter_findings(site: Site, batch: int = 500) -> Iterator[dict]:
    """Findings with their reports, oldest first, in batches so memory stays flat."""
    last = 0
    while True:
        chunk = list(
            Finding.objects.filter(site=site, pk__gt=last).select_related("page").order_by("pk")[:batch]
        )
        if not chunk:
            return
        by_finding: dict[int, list[Report]] = {f.pk: [] for f in chunk}
        for r in Report.objects.filter(finding__in=chunk).order_by("created", "pk"):
            by_finding[r.finding_id].append(r)
        history: dict[int, list[StatusChange]] = {f.pk: [] for f in chunk}
        changes = StatusChange.objects.filter(finding__in=chunk).select_related("user")
        for h in changes.order_by("created", "pk"):
            history[h.finding_id].append(h)
        for f in chunk:
            yield finding_dict(f, by_finding[f.pk], history[f.pk])
        last = chunk[-1].pk


def export_header(site: Site) -> dict:
    return {
        "format": "typodesk-findings",
        "version": EXPORT_VERSION,
        "exported": timezone.now().isoformat(),
        "site": {"name": site.name, "key": site.public_key, "domains": site.hosts()},
    }
