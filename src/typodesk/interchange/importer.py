"""``typodesk import``: a JSON export read back, to restore a site or move it between instances.

Idempotent: every report is looked up before it is added (same page, time, quote, suggestion
and comment), so importing a file twice, or into the instance it came from, adds nothing.
Reports are replayed oldest first through ``record_report`` with their original dates (without
notifications), so they group into findings exactly as they did when readers sent them. A
finding's editorial state (status, note, duplicate mark, history) is then taken from the file
when the finding is new here or the file's decision is the more recent one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

from django.db import transaction
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from typodesk.accounts.models import User
from typodesk.findings.export import EXPORT_VERSION
from typodesk.findings.models import Finding, Page, Report, StatusChange
from typodesk.findings.services import Quote, record_report
from typodesk.findings.urlnorm import normalize_url
from typodesk.ingest.schemas import MAX_CONTEXT, MAX_URL, valid_text
from typodesk.sites.models import Domain, Site, normalize_domain


class ImportFileError(Exception):
    """The file cannot be imported; one line for the CLI."""


# The file format (docs/export.md). Lenient on what it ignores, strict on what it uses.


class _M(BaseModel):
    model_config = ConfigDict(extra="ignore")


Offset = Annotated[int, Field(ge=0, le=2**31 - 1)]
# Text as the database can hold it (no NUL, no lone surrogate), within the columns' lengths.
Text = Annotated[str, AfterValidator(valid_text)]


class QuoteIn(_M):
    exact: Text = Field(min_length=1)
    prefix: Text = Field("", max_length=MAX_CONTEXT)
    suffix: Text = Field("", max_length=MAX_CONTEXT)
    start: Offset
    end: Offset

    @model_validator(mode="after")
    def _span(self):
        if self.end - self.start != len(self.exact):
            raise ValueError("end - start must equal the length of exact")
        return self


class ReportIn(_M):
    created: datetime
    url: Text = Field(min_length=1, max_length=MAX_URL, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://")
    title: Text = Field("", max_length=500)
    lang: Text = Field("", max_length=35)
    quote: QuoteIn
    suggestion: Text = ""
    comment: Text = ""


class HistoryIn(_M):
    created: datetime
    user: str | None = None
    old_status: str
    new_status: str
    reason: Text = ""
    note: Text | None = None
    duplicate_of: int | None = None


class FindingIn(_M):
    id: int
    status: str
    created: datetime
    status_changed: datetime | None = None
    note: Text = ""
    duplicate_of: int | None = None
    history: list[HistoryIn] = []
    reports: list[ReportIn]

    @model_validator(mode="after")
    def _status(self):
        if self.status not in Finding.Status.values:
            raise ValueError(f"unknown status {self.status!r}")
        return self


class SiteIn(_M):
    name: Text = Field(min_length=1, max_length=200)
    key: Text = Field(min_length=1, max_length=40)
    domains: list[str] = []


class ExportIn(_M):
    format: str
    version: int
    site: SiteIn
    findings: list[FindingIn]


@dataclass
class ImportResult:
    site: Site
    site_created: bool = False
    reports_added: int = 0
    reports_present: int = 0
    findings_created: int = 0
    findings_updated: int = 0
    warnings: list[str] = field(default_factory=list)


def load(path: Path) -> ExportIn:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ImportFileError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != "typodesk-findings":
        raise ImportFileError(f"{path} is not a typodesk export (its format is not typodesk-findings)")
    if isinstance(data.get("version"), int) and data["version"] > EXPORT_VERSION:
        raise ImportFileError(f"{path} was made by a newer typodesk (format version {data['version']})")
    try:
        return ExportIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ImportFileError(f"{path}: {where}: {err['msg']}") from None


def _site(doc: ExportIn, site_key: str | None) -> tuple[Site, bool]:
    if site_key:
        site = Site.objects.filter(public_key=site_key).first()
        if site is None:
            raise ImportFileError(f"no site with the key {site_key!r} (list them with `typodesk site list`)")
        return site, False
    site = Site.objects.filter(public_key=doc.site.key).first()
    if site is not None:
        return site, False
    try:
        hosts = list(dict.fromkeys(normalize_domain(d) for d in doc.site.domains))
    except ValueError as exc:
        raise ImportFileError(f"site.domains: {exc}") from None
    with transaction.atomic():
        site = Site.objects.create(name=doc.site.name, public_key=doc.site.key)
        Domain.objects.bulk_create([Domain(site=site, host=h) for h in hosts])
    return site, True


def _present(site: Site, r: ReportIn) -> Report | None:
    """The same report already stored (what makes the import idempotent)."""
    page = Page.objects.filter(site=site, url_hash=Page.hash_url(normalize_url(r.url))).first()
    if page is None:
        return None
    q = r.quote
    return (
        Report.objects.filter(
            finding__page=page, created=r.created, exact=q.exact, start=q.start, end=q.end, url=r.url
        )
        .filter(suggestion=r.suggestion, comment=r.comment)
        .select_related("finding")
        .first()
    )


def import_json(path: Path, site_key: str | None = None) -> ImportResult:
    doc = load(path)
    site, created = _site(doc, site_key)
    result = ImportResult(site=site, site_created=created)
    users: dict[str, User | None] = {}
    local: dict[int, Finding] = {}  # the file's finding id -> the finding here
    apply_state: set[int] = set()
    marks: list[tuple[int, int]] = []  # (history row here, the file's id of the finding it names)
    for f in doc.findings:
        if not f.reports:
            result.warnings.append(f"finding {f.id} has no reports: skipped")
            continue
        with transaction.atomic():
            here = None
            new_here = False
            for r in sorted(f.reports, key=lambda r: r.created):
                found = _present(site, r)
                if found is not None:
                    result.reports_present += 1
                    here = here or found.finding
                    continue
                q = r.quote
                recorded = record_report(
                    site,
                    url=r.url,
                    quote=Quote(q.exact, q.prefix, q.suffix, q.start, q.end),
                    title=r.title,
                    lang=r.lang,
                    suggestion=r.suggestion,
                    comment=r.comment,
                    when=r.created,
                    notify=False,
                )
                result.reports_added += 1
                if here is None:
                    here, new_here = recorded.finding, not recorded.duplicate
            here.refresh_from_db()
            local[f.id] = here
            result.findings_created += new_here
            if new_here or (
                f.status_changed and (here.status_changed is None or f.status_changed > here.status_changed)
            ):
                marks += _restore_state(here, f, users)
                apply_state.add(f.id)
                result.findings_updated += not new_here
    # Duplicate marks point at findings that may come later in the file: a second pass.
    for f in doc.findings:
        if f.id in apply_state and f.duplicate_of is not None and f.status == Finding.Status.DUPLICATE:
            target = local.get(f.duplicate_of)
            if target is None or target.pk == local[f.id].pk:
                result.warnings.append(
                    f"finding {f.id}: the finding it duplicates ({f.duplicate_of}) is not here"
                )
                continue
            Finding.objects.filter(pk=local[f.id].pk).update(duplicate_of=target)
    for row, file_id in marks:
        if file_id in local:
            StatusChange.objects.filter(pk=row).update(duplicate_of=local[file_id])
    return result


def _restore_state(here: Finding, f: FindingIn, users: dict[str, User | None]) -> list[tuple[int, int]]:
    """The file's decisions on a finding, with its history as recorded (no notifications: they
    were sent, or not, where the decisions were made)."""
    Finding.objects.filter(pk=here.pk).update(
        status=f.status,
        status_changed=f.status_changed,
        note=f.note,
        duplicate_of=None,
    )
    have = set(StatusChange.objects.filter(finding=here).values_list("created", "old_status", "new_status"))
    marks = []
    for h in f.history:
        if (h.created, h.old_status, h.new_status) in have:
            continue
        if h.user and h.user not in users:
            users[h.user] = User.objects.filter(email=h.user.lower()).first()
        row = StatusChange.objects.create(
            finding=here,
            user=users.get(h.user) if h.user else None,
            old_status=h.old_status[:10],
            new_status=h.new_status[:10],
            note=h.reason,
            new_note=h.note,
        )
        # auto_now_add ignores a given time: put the recorded one back.
        StatusChange.objects.filter(pk=row.pk).update(created=h.created)
        if h.duplicate_of is not None:
            marks.append((row.pk, h.duplicate_of))
    return marks
