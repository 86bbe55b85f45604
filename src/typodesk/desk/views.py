"""The editors' desk: an inbox of findings and one page per finding.

Every view goes through ``sites_for(user)``: a finding of a site the user is
not a member of is a 404, exactly like a finding that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

from typodesk.desk import export as desk_export
from typodesk.desk import inbox as q
from typodesk.desk import undo
from typodesk.desk.actions import BULK_ACTIONS, EDIT_ROLES, roles_of
from typodesk.findings import listing
from typodesk.findings.models import Report
from typodesk.interchange.export import FORMATS
from typodesk.interchange.streaming import stream
from typodesk.sites.models import sites_for


@login_required
def inbox(request):
    """The inbox (findings.listing has the queries): open findings of the chosen sites, filtered,
    sorted and paged, one line each."""
    sites = list(sites_for(request.user).order_by("name"))
    filters = q.parse(request, sites)
    result = None
    if not filters.errors:
        try:
            result = q.page(filters, request.GET.get("after", ""), request.GET.get("before", ""))
        except q.FilterError as e:
            filters.errors.append(str(e))
    if result is not None:
        q.attach_suggestions(result.findings)
        q.dress_rows(result.findings, filters.order.by_page)
    roles = roles_of(request.user, sites)
    editable = {pk for pk, role in roles.items() if role in EDIT_ROLES}
    tabs = []
    total = None
    if not filters.errors:
        counts = q.counts(filters)
        tabs = [
            {
                "key": key,
                "label": label,
                "count": counts[key][0],
                "capped": counts[key][1],
                "query": filters.query(status="" if key == "open" else key),
            }
            for key, (label, _statuses) in q.STATUSES.items()
        ]
        total = {"count": counts[filters.status][0], "capped": counts[filters.status][1]}
    shown = _shown(request, result, total)
    return render(
        request,
        "desk/inbox.html",
        {
            "sites": sites,
            "filters": filters,
            "result": result,
            "tabs": tabs,
            "shown": shown,
            "sorts": [(key, q.ORDERS[key].label) for key in q.SORTS],
            "cap": q.COUNT_CAP,
            "languages": q.languages(filters.sites or sites),
            "editable": editable,
            "can_edit_any": bool(editable & {s.pk for s in filters.sites}),
            "bulk_actions": BULK_ACTIONS,
            "this_url": request.get_full_path(),
            "export_csv": reverse("desk:inbox-export", args=["csv"]) + filters.query(),
            "export_json": reverse("desk:inbox-export", args=["json"]) + filters.query(),
            "toast": undo.take_toast(request),
        },
        status=400 if filters.errors else 200,
    )


def _shown(request, result, total) -> dict | None:
    """ "1–50 of 229" above the list, and where the previous and next pages start (the pager's
    ``at``, a hint: keyset pages know their rows, not their place)."""
    if result is None or not result.findings:
        return None
    n = len(result.findings)
    start = q.position(request)
    out = {"first": start, "last": start + n - 1 if start else None, "n": n, "total": total}
    out["next_at"] = start + n if start else ""
    out["prev_at"] = max(1, start - listing.PAGE_SIZE) if start and start > 1 else ""
    return out


@login_required
def inbox_export(request, fmt: str):
    """The filtered inbox as CSV or JSON (the columns and fields of typodesk export, docs/export.md)."""
    if fmt not in ("csv", "json"):
        raise Http404
    sites = list(sites_for(request.user).order_by("name"))
    filters = q.parse(request, sites)
    if filters.errors:
        return HttpResponseBadRequest(" ".join(filters.errors))
    content_type, ext = FORMATS[fmt]
    if fmt == "csv":
        chunks = desk_export.for_spreadsheets(desk_export.csv_chunks(filters))
    else:
        chunks = desk_export.json_chunks(filters)
    return stream(request, chunks, content_type, desk_export.file_name(filters.sites, ext))


def _attach_suggestions(findings) -> None:
    """Readers' distinct suggestions per finding, most frequent first."""
    ids = [f.pk for f in findings]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for fid, suggestion in (
        Report.objects.filter(finding_id__in=ids)
        .exclude(suggestion="")
        .values_list("finding_id", "suggestion")
    ):
        counts[fid][suggestion] = counts[fid].get(suggestion, 0) + 1
    for f in findings:
        f.suggestions = sorted(counts[f.pk].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
