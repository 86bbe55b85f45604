"""The desk's action on a finding's correction: publish (or edit, or publish again) and withdraw.

As every desk view: a finding of a site the user is not a member of is a 404; changing needs
the owner or editor role (viewers get the desk's 403 page).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from typodesk.corrections.services import CorrectionError, publish, withdraw
from typodesk.desk import finding as desk_finding
from typodesk.findings.models import Finding
from typodesk.sites.models import role_of, sites_for


@login_required
@require_POST
def finding_correction(request, pk: int):
    f = get_object_or_404(
        Finding.objects.select_related("page", "site").filter(site__in=sites_for(request.user)), pk=pk
    )
    if role_of(request.user, f.site) not in desk_finding.EDIT_ROLES:
        return render(request, "desk/forbidden.html", status=403)
    action = request.POST.get("action", "")
    if action == "withdraw":
        if withdraw(f, request.user):
            messages.success(request, _("The correction was withdrawn: readers no longer see it."))
        else:
            messages.info(request, _("There is no published correction to withdraw."))
        return redirect("desk:finding", pk=f.pk)
    if action != "publish":
        return desk_finding.render_finding(request, f, error=_("Choose publish or withdraw."), status=400)
    try:
        publish(
            f,
            request.user,
            text=request.POST.get("correction_text", ""),
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
        )
    except CorrectionError as exc:
        return desk_finding.render_finding(request, f, error=str(exc), status=400)
    messages.success(request, _("The correction is published."))
    return redirect("desk:finding", pk=f.pk)
