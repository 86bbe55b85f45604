"""The inbox's filtered list as CSV or JSON, streamed in inbox order.

The same format as ``typodesk export`` (interchange.export, docs/export.md): each finding is
``findings.export.finding_dict``; the CSV has the same columns. A list of one site is exactly
that site's export, restricted to the findings shown (``typodesk import`` reads it back); a list
over several sites names them in the header ("sites") and gives each finding its "site" key (and
a last CSV column "site").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date

from django.utils import timezone
from django.utils.text import slugify

from typodesk.desk.inbox import Filters, iter_all
from typodesk.findings.export import EXPORT_VERSION, export_header, finding_dict
from typodesk.findings.models import Report, StatusChange
from typodesk.interchange.export import CSV_COLUMNS, cell, suggestion_counts
from typodesk.sites.models import Site

# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark (without it, Cyrillic
# comes out as mojibake). Only the desk's downloads carry it: the API's and the CLI's CSV are read
# by programs, for which the mark would be part of the first column's name.
BOM = "\ufeff"


def for_spreadsheets(chunks: Iterable[str]) -> Iterator[str]:
    """A CSV download as the desk sends it: the byte order mark, then the CSV."""
    yield BOM
    yield from chunks


def file_name(sites: list[Site], ext: str, today: date | None = None) -> str:
    """ "news-baku-findings-2026-12-05.csv": the site's name (not its opaque key) and the day, so
    that downloads of several sites and days stay apart in a downloads folder."""
    day = (today or timezone.localdate()).isoformat()
    if len(sites) == 1:
        name = slugify(sites[0].name, allow_unicode=True) or "site"
    else:
        name = "typodesk"
    return f"{name}-findings-{day}.{ext}"


def _dicts(filters: Filters) -> Iterator[dict]:
    several = len(filters.sites) > 1
    for batch in iter_all(filters):
        ids = [f.pk for f in batch]
        reports: dict[int, list[Report]] = {pk: [] for pk in ids}
        for r in Report.objects.filter(finding_id__in=ids).order_by("created", "pk"):
            reports[r.finding_id].append(r)
        history: dict[int, list[StatusChange]] = {pk: [] for pk in ids}
        for h in (
            StatusChange.objects.filter(finding_id__in=ids).select_related("user").order_by("created", "pk")
        ):
            history[h.finding_id].append(h)
        for f in batch:
            d = finding_dict(f, reports[f.pk], history[f.pk])
            if several:
                d["site"] = f.site.public_key
            yield d


def json_chunks(filters: Filters) -> Iterator[str]:
    if len(filters.sites) == 1:
        head = export_header(filters.sites[0])
    else:
        head = {
            "format": "typodesk-findings",
            "version": EXPORT_VERSION,
            "exported": timezone.now().isoformat(),
            "sites": [{"name": s.name, "key": s.public_key, "domains": s.hosts()} for s in filters.sites],
        }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    yield text[:-2] + ',\n  "findings": ['
    for i, d in enumerate(_dicts(filters)):
        yield ("," if i else "") + "\n    " + json.dumps(d, ensure_ascii=False)
    yield "\n  ]\n}\n"


def csv_chunks(filters: Filters) -> Iterator[str]:
    several = len(filters.sites) > 1
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow([*CSV_COLUMNS, "site"] if several else CSV_COLUMNS)
    for f in _dicts(filters):
        q = f["quote"]
        row = [
            f["id"], cell(f["url"]), cell(f["title"]), cell(f["lang"]), f["status"],
            cell(q["exact"]), cell(q["prefix"]), cell(q["suffix"]), q["start"], q["end"],
            f["report_count"],
            cell("\n".join(s for s, _ in suggestion_counts(f))),
            cell("\n".join(r["comment"] for r in f["reports"] if r["comment"])),
            f["created"], f["last_reported"], f["status_changed"] or "",
            cell(f["note"]), f["duplicate_of"] or "",
        ]  # fmt: skip
        if several:
            row.append(f["site"])
        out.writerow(row)
        if buf.tell() > 32 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
