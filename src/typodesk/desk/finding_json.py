"""The finding page's small JSON answers for finding.js: whether the page reader has read the page
since the editor asked it to, and the findings of the same page a finding may duplicate.

Both go through ``sites_for(user)`` like the page itself: another site's finding is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from typodesk.findings.models import Finding
from typodesk.pages.models import PageCheck

#: Findings a duplicate search lists at most.
CANDIDATES = 20
QUERY_MAX = 200


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@login_required
@require_GET
def finding_reading(request, pk: int):
    """When the page was last read, and whether a reading is under way or due (the poll's answer)."""
    from typodesk.desk.finding import _finding_for

    f = _finding_for(request, pk)
    check = PageCheck.objects.filter(page_id=f.page_id).first()
    now = timezone.now()
    return JsonResponse(
        {
            "read_at": _iso(check.last_success_at) if check else None,
            "attempted_at": _iso(check.last_attempt_at) if check else None,
            # Being read, or due now (a reading planned for later is not one to wait for).
            "reading": bool(check and (check.claimed_by or (check.due_at and check.due_at <= now))),
            "verification": f.verification,
            "status": f.status,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_GET
def duplicate_candidates(request, pk: int):
    """Findings of the same page whose quote holds the words asked for (or whose number it is).

    A number of a finding on another page is answered with why it cannot be chosen, rather than
    with nothing: the same words elsewhere are another mistake, not a duplicate."""
    from typodesk.desk.finding import STATUS_LABELS, _finding_for, other_page_error

    f = _finding_for(request, pk)
    q = request.GET.get("q", "").strip()
    if len(q) > QUERY_MAX:
        return JsonResponse(
            {"error": _("Search for at most %(n)s characters.") % {"n": QUERY_MAX}}, status=400
        )
    same_page = Finding.objects.filter(page_id=f.page_id).exclude(pk=f.pk)
    number = q.lstrip("#")
    match = Q(exact__icontains=q) if q else Q()
    if number.isascii() and number.isdigit() and len(number) < 12:
        match |= Q(pk=int(number))
        elsewhere = (
            Finding.objects.filter(pk=int(number), site_id=f.site_id)
            .exclude(page_id=f.page_id)
            .select_related("page")
            .first()
        )
        if elsewhere is not None:
            return JsonResponse({"findings": [], "message": other_page_error(elsewhere)})
    rows = same_page.filter(match).order_by("-reader_count", "-last_reported", "-pk")[:CANDIDATES]
    findings = [
        {
            "id": c.pk,
            "exact": c.exact,
            "prefix": c.prefix[-30:],
            "suffix": c.suffix[:30],
            "status": c.status,
            "status_label": str(STATUS_LABELS.get(c.status, c.status)),
            "readers": c.reader_count,
            "url": reverse("desk:finding", args=[c.pk]),
        }
        for c in rows
    ]
    message = "" if findings else _("No other finding on this page matches “%(q)s”.") % {"q": q}
    return JsonResponse({"findings": findings, "message": message})
