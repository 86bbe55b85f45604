"""The desk's page of one finding: the mistake in its paragraph, the readers' suggestions, every
report, the status history and the editors' note; and its two actions (status, re-check).

Every view goes through ``sites_for(user)``: a finding of a site the user is not a member of is a
404, exactly like a finding that does not exist. Changing anything needs the owner or editor role.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status
from typodesk.pages.desk import finding_context
from typodesk.pages.models import PageCheck
from typodesk.pages.schedule import schedule_now
from typodesk.sites.models import Membership, role_of, sites_for

EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}


def _finding_for(request, pk: int) -> Finding:
    return get_object_or_404(
        Finding.objects.select_related("page", "site").filter(site__in=sites_for(request.user)), pk=pk
    )


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


@login_required
def finding(request, pk: int):
    f = _finding_for(request, pk)
    f = (
        Finding.objects.select_related("page", "site")
        .prefetch_related(
            Prefetch("reports", queryset=Report.objects.order_by("created", "pk")),
            Prefetch("history__user"),
        )
        .get(pk=f.pk)
    )
    _attach_suggestions([f])
    return render(
        request,
        "desk/finding.html",
        {
            **finding_context(f),  # the page reader's evidence and the spell checker's suggestion
            "f": f,
            "can_edit": role_of(request.user, f.site) in EDIT_ROLES,
            "actions": [
                ("fixed", "Mark fixed"),
                ("rejected", "Not a mistake"),
                ("spam", "Spam"),
                ("new", "Reopen"),
            ],
        },
    )


@login_required
@require_POST
def finding_recheck(request, pk: int):
    """The desk's "Re-check the page now": the worker reads the page within seconds (docs/verification.md)."""
    f = _finding_for(request, pk)
    if role_of(request.user, f.site) not in EDIT_ROLES:
        return render(request, "desk/forbidden.html", status=403)
    if schedule_now(f.page, PageCheck.Reason.DESK):
        messages.success(request, "The page will be read again in a few seconds; reload to see the result.")
    else:
        messages.info(request, "No finding on this page is waiting for verification; nothing to re-check.")
    return redirect("desk:finding", pk=f.pk)


@login_required
@require_POST
def finding_status(request, pk: int):
    f = _finding_for(request, pk)
    if role_of(request.user, f.site) not in EDIT_ROLES:
        return render(request, "desk/forbidden.html", status=403)
    status = request.POST.get("status", "")
    if status not in Finding.Status.values:
        return HttpResponseBadRequest("Unknown status.")
    if set_status(f, status, request.user):
        messages.success(request, f"Finding marked “{f.get_status_display()}”.")
    return redirect("desk:finding", pk=f.pk)
