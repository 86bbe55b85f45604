"""``/api/v1/findings``: what the desk does with findings, over HTTP.

List (the inbox's filters, keyset pagination), read one with its reports and history, change
status and note (one or many), mark duplicates, ask for a page re-check. Changes go through
``findings.services.set_status``, so they leave the same history and notifications as the desk.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count, Prefetch
from ninja import Field, Query, Router, Schema, Status

from typodesk.apiv1.errors import ERRORS_READ, ERRORS_WRITE, api_error
from typodesk.apiv1.schemas import (
    BulkChangeIn,
    BulkOut,
    FindingChangeIn,
    FindingDetailOut,
    FindingOut,
    FindingPage,
    Id,
    RecheckOut,
    Sort,
    StatusFilter,
)
from typodesk.findings import listing
from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.findings.query import (
    DEFAULT_SORT,
    DEFAULT_STATUS,
    LEGACY_SORTS,
    PARAMETERS,
    SORTS,
    FilterError,
    page_address,
    parse,
)
from typodesk.findings.services import StatusError, set_status

router = Router(tags=["findings"])


def quote_of(obj) -> dict:
    return {
        "exact": obj.exact,
        "prefix": obj.prefix,
        "suffix": obj.suffix,
        "start": obj.start,
        "end": obj.end,
    }


def suggestions_of(ids: list[int]) -> dict[int, list[dict]]:
    """Readers' distinct suggestions per finding, most frequent first (at most 5, as the desk)."""
    out: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Report.objects.filter(finding_id__in=ids)
        .exclude(suggestion="")
        .values("finding_id", "suggestion")
        .annotate(n=Count("id"))
    )
    for row in sorted(rows, key=lambda r: (-r["n"], r["suggestion"])):
        if len(out[row["finding_id"]]) < 5:
            out[row["finding_id"]].append({"text": row["suggestion"], "count": row["n"]})
    return out


def finding_out(f: Finding, suggestions: list[dict]) -> dict:
    return {
        "id": f.pk,
        "site": f.site.public_key,
        "url": f.page.url,
        "title": f.page.title,
        "lang": f.page.lang,
        "status": f.status,
        "regressed": f.is_regressed,
        "quote": quote_of(f),
        "report_count": f.report_count,
        "reader_count": f.reader_count,
        "suggestions": suggestions,
        "created": f.created,
        "last_reported": f.last_reported,
        "status_changed": f.status_changed,
        "note": f.note,
        "duplicate_of": f.duplicate_of_id,
        "verification": {"state": f.verification, "checked_at": f.verified_at, "replacement": f.replacement},
        "spell_checker": {
            "state": f.spell_status,
            "text": f.spell_suggestion,
            "reason": f.spell_reason or "",  # NULL: checked before the column existed
        },
    }


def _described(name: str) -> str:
    return PARAMETERS[name] + " As the desk's inbox filter of the same name."


class FindingFilters(Schema):
    """The inbox's filters and sorts (findings.query), under the same names and values."""

    q: str | None = Field(None, max_length=200, description=_described("q"))
    site: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z0-9_-]+$", description=_described("site"))
    status: StatusFilter = Field(DEFAULT_STATUS, description=_described("status"))
    sort: Sort = Field(
        DEFAULT_SORT,
        description=_described("sort")
        + " Also accepted: "
        + ", ".join(f"{old} (= {new})" for old, new in LEGACY_SORTS.items() if new in SORTS)
        + ", last_reported (the least recently reported first).",
    )
    page: str | None = Field(None, max_length=2048, description=_described("page"))
    lang: str | None = Field(None, max_length=35, description=_described("lang"))
    since: date | None = Field(None, description=_described("since"))
    until: date | None = Field(None, description=_described("until"))
    suggested: bool = Field(False, description=_described("suggested"))
    url: str | None = Field(
        None, max_length=2048, description="The older name of `page`.", json_schema_extra={"deprecated": True}
    )
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page.")


@router.get(
    "/findings",
    response={200: FindingPage, **ERRORS_READ},
    summary="List findings",
    operation_id="listFindings",
)
def list_findings(request, filters: Query[FindingFilters]):
    """Findings of your sites, filtered and sorted like the desk's inbox (most readers first).

    Pages hold up to `limit` findings; `next_cursor` fetches the next one and is null on
    the last. A cursor belongs to its sort and stays valid while findings change: a finding
    reported again moves up (sort reports or recent) and is not seen twice in one walk.
    """
    access = request.auth
    sites = [access.site(filters.site, "site")] if filters.site else list(access.sites().order_by("name"))
    page_url = filters.page or filters.url
    if page_url and not page_address(page_url.strip()):
        raise api_error(
            400,
            f"{'page' if filters.page else 'url'}: give the page's full http:// or https:// address.",
            "page" if filters.page else "url",
        )
    params = {
        "site": filters.site or "",
        "status": filters.status,
        "sort": filters.sort,
        "page": page_url or "",
        "lang": filters.lang or "",
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
        "suggested": "1" if filters.suggested else "",
        "q": filters.q or "",
    }
    parsed = parse(params, sites, legacy_sorts=True)
    if parsed.errors:
        raise api_error(400, f"{parsed.error_params[0]}: {parsed.errors[0]}", parsed.error_params[0])
    try:
        result = listing.page(parsed, after=filters.cursor or "", size=filters.limit)
    except FilterError:
        raise api_error(
            400, "This cursor is not one the API gave out for this sort (or its page is gone).", "cursor"
        ) from None
    rows = result.findings
    suggestions = suggestions_of([f.pk for f in rows])
    return {"items": [finding_out(f, suggestions[f.pk]) for f in rows], "next_cursor": result.next_cursor}


# Before /findings/{id}, which would otherwise take "bulk" for an id.
@router.post(
    "/findings/bulk",
    response={200: BulkOut, **ERRORS_WRITE},
    summary="Change many findings at once",
    operation_id="changeFindings",
)
def change_findings(request, payload: BulkChangeIn):
    """The same change for up to 500 findings; all of them or, on any error, none."""
    access = request.auth
    ids = list(dict.fromkeys(payload.ids))
    found = {
        f.pk: f
        for f in Finding.objects.select_related("page", "site").filter(
            site_id__in=access.site_ids(), pk__in=ids
        )
    }
    for i, pk in enumerate(payload.ids):
        if pk not in found:
            raise api_error(404, f"No finding {pk} on your sites.", f"ids.{i}")
    for site in {f.site_id: f.site for f in found.values()}.values():
        access.require_editor(site)
    changed, unchanged = _apply(access, [found[pk] for pk in ids], payload)
    return {"changed": changed, "unchanged": unchanged}


@router.get(
    "/findings/{id}",
    response={200: FindingDetailOut, **ERRORS_READ},
    summary="Read a finding with its reports and history",
    operation_id="getFinding",
)
def get_finding(request, id: Id):
    f = request.auth.finding(id)
    return finding_detail(f)


def finding_detail(f: Finding) -> dict:
    f = (
        Finding.objects.select_related("page", "site")
        .prefetch_related(
            Prefetch("reports", queryset=Report.objects.order_by("created", "pk")),
            Prefetch(
                "history", queryset=StatusChange.objects.select_related("user").order_by("created", "pk")
            ),
        )
        .get(pk=f.pk)
    )
    out = finding_out(f, suggestions_of([f.pk])[f.pk])
    out["reports"] = [
        {
            "id": r.pk,
            "created": r.created,
            "url": r.url,
            "title": r.title,
            "lang": r.lang,
            "quote": quote_of(r),
            "suggestion": r.suggestion,
            "comment": r.comment,
        }
        for r in f.reports.all()
    ]
    out["history"] = [
        {
            "created": h.created,
            "user": h.user.email if h.user else None,
            "old_status": h.old_status,
            "new_status": h.new_status,
            "reason": h.note,
            "note": h.new_note,
            "duplicate_of": h.duplicate_of_id,
        }
        for h in f.history.all()
    ]
    out["duplicates"] = list(
        Finding.objects.filter(duplicate_of=f, status=Finding.Status.DUPLICATE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return out


def _apply(access, findings: list[Finding], change: FindingChangeIn) -> tuple[list[int], list[int]]:
    """Apply one change to findings the caller may edit, all or none (one transaction)."""
    target = access.finding(change.duplicate_of, "duplicate_of") if change.duplicate_of else None
    changed, unchanged = [], []
    with transaction.atomic():
        for f in findings:
            try:
                did = set_status(f, change.status, access.user, note=change.note, duplicate_of=target)
            except StatusError as exc:
                raise api_error(400, f"{exc.field}: {exc} (finding {f.pk}).", exc.field) from None
            (changed if did else unchanged).append(f.pk)
    return changed, unchanged


@router.patch(
    "/findings/{id}",
    response={200: FindingOut, **ERRORS_WRITE},
    summary="Change a finding's status or note, or mark it a duplicate",
    operation_id="changeFinding",
)
def change_finding(request, id: Id, payload: FindingChangeIn):
    """Owners and editors only, as in the desk; each change is recorded in the finding's history.

    `{"duplicate_of": 12}` marks the finding a duplicate of finding 12 (same site); any other
    status removes the mark. A change to what the finding already is changes nothing.
    """
    access = request.auth
    f = access.finding(id)
    access.require_editor(f.site)
    _apply(access, [f], payload)
    return finding_out(f, suggestions_of([f.pk])[f.pk])


@router.post(
    "/findings/{id}/recheck",
    response={202: RecheckOut, **ERRORS_WRITE},
    summary="Read the finding's page again now",
    operation_id="recheckFinding",
)
def recheck_finding(request, id: Id):
    """Queue a reading of the page (fix verification, docs/verification.md); owners and editors."""
    from typodesk.pages.models import PageCheck
    from typodesk.pages.schedule import schedule_now

    access = request.auth
    f = access.finding(id)
    access.require_editor(f.site)
    count = schedule_now(f.page, PageCheck.Reason.API)
    return Status(202, {"finding": f.pk, "page": f.page.url, "findings_to_check": count})
