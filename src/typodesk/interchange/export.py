"""The three export formats, each a stream of text chunks (memory stays flat on big sites).

JSON is the interchange format (``findings.export``: documented in docs/export.md and read
back by ``typodesk import``); CSV is for spreadsheets; JSON-LD is the W3C Web Annotation
Data Model, for annotation tools. The CLI, the API and the desk all stream from here.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from django.conf import settings

from typodesk.findings.export import export_header, iter_findings
from typodesk.findings.models import Finding
from typodesk.sites.models import Site

FORMATS = {
    # format -> (Content-Type, file extension)
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonld": ('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', "jsonld"),
}
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Offsets from this one up mean "position unknown" (findings imported from Orphus mails, whose
# offsets are a stable number derived from the quote's context: docs/orphus-mail.md).
UNKNOWN_POSITION = 1_000_000_000
CSV_COLUMNS = [
    "id", "url", "title", "lang", "status", "exact", "prefix", "suffix", "start", "end",
    "report_count", "suggestions", "comments", "created", "last_reported", "status_changed",
    "note", "duplicate_of",
]  # fmt: skip
# Text that a spreadsheet would run as a formula (CSV injection): readers write these cells.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def export_chunks(site: Site, fmt: str) -> Iterator[str]:
    """The whole export of ``site`` in ``fmt`` (a key of FORMATS), as text chunks."""
    return {"json": json_chunks, "csv": csv_chunks, "jsonld": jsonld_chunks}[fmt](site)


def _findings(site: Site) -> tuple[int, Iterator[dict]]:
    """The findings that existed when the export began (count and stream agree)."""
    last = Finding.objects.filter(site=site).order_by("-pk").values_list("pk", flat=True).first() or 0
    total = Finding.objects.filter(site=site, pk__lte=last).count()

    def stream() -> Iterator[dict]:
        for f in iter_findings(site):
            if f["id"] > last:
                return
            yield f

    return total, stream()


def json_chunks(site: Site) -> Iterator[str]:
    header = json.dumps(export_header(site), ensure_ascii=False, indent=2)
    yield header[:-2] + ',\n  "findings": ['
    _, findings = _findings(site)
    for i, finding in enumerate(findings):
        yield ("," if i else "") + "\n    " + json.dumps(finding, ensure_ascii=False)
    yield "\n  ]\n}\n"


def cell(value: str) -> str:
    """``value`` as a spreadsheet shows it rather than runs it: a leading ``'`` when it would run.

    Spreadsheets skip leading spaces and line breaks before a formula, and some read the
    full-width ``＝＋－＠`` (and the small ``﹦﹢﹣﹫``) as ``= + - @``; so the first character
    after any white space or invisible format character is compared in its NFKC form.
    """
    return "'" + value if runs_as_formula(value) else value


def runs_as_formula(value: str) -> bool:
    """Whether a spreadsheet could take the cell ``value`` for a formula (OWASP CSV injection)."""
    if value.startswith(FORMULA_START):
        return True
    for ch in value:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        return unicodedata.normalize("NFKC", ch).startswith(FORMULA_START)
    return False


def suggestion_counts(f: dict) -> list[tuple[str, int]]:
    counts = Counter(r["suggestion"] for r in f["reports"] if r["suggestion"])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def csv_chunks(site: Site) -> Iterator[str]:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(CSV_COLUMNS)
    _, findings = _findings(site)
    for f in findings:
        q = f["quote"]
        out.writerow(
            [
                f["id"], cell(f["url"]), cell(f["title"]), cell(f["lang"]), f["status"],
                cell(q["exact"]), cell(q["prefix"]), cell(q["suffix"]), q["start"], q["end"],
                f["report_count"],
                cell("\n".join(s for s, _ in suggestion_counts(f))),
                cell("\n".join(r["comment"] for r in f["reports"] if r["comment"])),
                f["created"], f["last_reported"], f["status_changed"] or "",
                cell(f["note"]), f["duplicate_of"] or "",
            ]
        )  # fmt: skip
        if buf.tell() > 32 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def collection_id(site: Site) -> str:
    return f"{settings.BASE_URL}/api/v1/sites/{site.public_key}/export?format=jsonld"


def annotation(f: dict) -> dict:
    """One finding as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/).

    The target is the page with a TextQuoteSelector and, when the position is known, a
    TextPositionSelector (offsets on typodesk's canonical text of the page, README: tools
    should anchor on the quote and use the position as a hint, as Hypothesis does). Readers'
    suggestions are bodies with the purpose "editing", their comments "commenting"; the
    status is a "tagging" body ``status:fixed``.
    """
    q = f["quote"]
    selectors: list[dict] = [
        {"type": "TextQuoteSelector", "exact": q["exact"], "prefix": q["prefix"], "suffix": q["suffix"]}
    ]
    if q["start"] < UNKNOWN_POSITION:
        selectors.append({"type": "TextPositionSelector", "start": q["start"], "end": q["end"]})
    lang = {"language": f["lang"]} if BCP47.match(f["lang"] or "") else {}
    bodies: list[dict] = [
        {"type": "TextualBody", "purpose": "editing", "value": s, "format": "text/plain", **lang}
        for s, _ in suggestion_counts(f)
    ]
    for r in f["reports"]:
        if r["comment"]:
            rlang = {"language": r["lang"]} if BCP47.match(r["lang"] or "") else {}
            bodies.append(
                {
                    "type": "TextualBody",
                    "purpose": "commenting",
                    "value": r["comment"],
                    "format": "text/plain",
                    "created": r["created"],
                    **rlang,
                }
            )
    bodies.append({"type": "TextualBody", "purpose": "tagging", "value": f"status:{f['status']}"})
    return {
        "id": f"{settings.BASE_URL}/desk/findings/{f['id']}/",
        "type": "Annotation",
        "motivation": "editing",
        "created": f["created"],
        "modified": max(t for t in (f["last_reported"], f["status_changed"]) if t),
        "body": bodies,
        "target": {"source": f["url"], "selector": selectors},
    }


def jsonld_chunks(site: Site) -> Iterator[str]:
    """An AnnotationCollection with all annotations in its first (and only) AnnotationPage."""
    total, findings = _findings(site)
    cid = collection_id(site)
    head = {
        "@context": ANNO_CONTEXT,
        "id": cid,
        "type": "AnnotationCollection",
        "label": f"Findings of {site.name} (typodesk)",
        "total": total,
    }
    page = {"id": cid + "#page1", "type": "AnnotationPage", "partOf": cid, "startIndex": 0}
    text = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    yield text + ',\n  "first": ' + json.dumps(page, ensure_ascii=False)[:-1] + ', "items": ['
    for i, f in enumerate(findings):
        yield ("," if i else "") + "\n    " + json.dumps(annotation(f), ensure_ascii=False)
    yield "\n  ]}\n}\n"
