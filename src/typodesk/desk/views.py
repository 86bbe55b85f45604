"""The editors' desk: an inbox of findings and one page per finding.

Every view goes through ``sites_for(user)``: a finding of a site the user is
not a member of is a 404, exactly like a finding that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from typodesk.desk import export as desk_export
from typodesk.desk import inbox as q
from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status
from typodesk.interchange.export import FORMATS
from typodesk.interchange.streaming import stream
from typodesk.sites.models import Membership, sites_for

# The API's status filter (apiv1): the inbox's tabs.
STATUS_FILTERS = {key: statuses for key, (_label, statuses) in q.STATUSES.items()}
EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}


@login_required
def inbox(request):
    """The inbox (desk.inbox has the queries): open findings of the chosen sites, filtered and paged."""
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
    roles = _roles(request.user, sites)
    editable = {pk for pk, role in roles.items() if role in EDIT_ROLES}
    tabs = []
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
    return render(
        request,
        "desk/inbox.html",
        {
            "sites": sites,
            "filters": filters,
            "result": result,
            "tabs": tabs,
            "cap": q.COUNT_CAP,
            "languages": q.languages(filters.sites or sites),
            "editable": editable,
            "can_edit_any": bool(editable & {s.pk for s in filters.sites}),
            "bulk_actions": BULK_ACTIONS,
            "this_url": request.get_full_path(),
            "export_csv": reverse("desk:inbox-export", args=["csv"]) + filters.query(),
            "export_json": reverse("desk:inbox-export", args=["json"]) + filters.query(),
        },
        status=400 if filters.errors else 200,
    )


def _roles(user, sites) -> dict[int, str]:
    """The user's role per site, in one query (instance admins act as owners)."""
    if user.is_superuser:
        return {s.pk: Membership.Role.OWNER for s in sites}
    return dict(Membership.objects.filter(user=user).values_list("site_id", "role"))


# (status, button label, shortcut key: desk.js presses the button for the key)
BULK_ACTIONS = [
    (Finding.Status.FIXED, gettext_lazy("Mark fixed"), "f"),
    (Finding.Status.REJECTED, gettext_lazy("Not a mistake"), "n"),
    (Finding.Status.SPAM, gettext_lazy("Spam"), "s"),
    (Finding.Status.NEW, gettext_lazy("Reopen"), "r"),
]
BULK_MAX = 500


def _bulk_message(status: str, n: int) -> str:
    if status == Finding.Status.FIXED:
        text = ngettext("%(n)s finding marked fixed.", "%(n)s findings marked fixed.", n)
    elif status == Finding.Status.REJECTED:
        text = ngettext("%(n)s finding marked not a mistake.", "%(n)s findings marked not a mistake.", n)
    elif status == Finding.Status.SPAM:
        text = ngettext("%(n)s finding marked spam.", "%(n)s findings marked spam.", n)
    else:
        text = ngettext("%(n)s finding reopened.", "%(n)s findings reopened.", n)
    return text % {"n": n}


def _back_to_inbox(request) -> str:
    target = request.POST.get("next", "")
    inbox_url = reverse("desk:inbox")
    if target.startswith(inbox_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return inbox_url


@login_required
@require_POST
def bulk(request):
    """Change the status of the selected findings: all of them or, if any may not be changed by
    this user, none (403; 404 when one is not on the user's sites or does not exist)."""
    status = request.POST.get("status", "")
    if status not in {a[0] for a in BULK_ACTIONS}:
        return HttpResponseBadRequest(_("Choose one of the actions: fixed, not a mistake, spam or reopen."))
    try:
        ids = sorted({int(v) for v in request.POST.getlist("finding")})
    except ValueError:
        return HttpResponseBadRequest(_("The selection holds something that is not a finding."))
    if not ids:
        messages.info(request, _("Select one or more findings first (their boxes, or x on the keyboard)."))
        return redirect(_back_to_inbox(request))
    if len(ids) > BULK_MAX:
        return HttpResponseBadRequest(_("Select at most %(max)s findings at once.") % {"max": BULK_MAX})
    sites = list(sites_for(request.user))
    findings = list(
        Finding.objects.filter(pk__in=ids, site__in=sites).select_related("site", "page").order_by("pk")
    )
    if len(findings) != len(ids):
        raise Http404
    roles = _roles(request.user, sites)
    if any(roles.get(f.site_id) not in EDIT_ROLES for f in findings):
        return render(request, "desk/forbidden.html", status=403)
    changed = 0
    with transaction.atomic():
        for f in findings:
            changed += set_status(f, status, request.user)
    if changed:
        messages.success(request, _bulk_message(status, changed))
    else:
        messages.info(request, _("Nothing changed: the selected findings already had that status."))
    return redirect(_back_to_inbox(request))


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
    chunks = desk_export.csv_chunks(filters) if fmt == "csv" else desk_export.json_chunks(filters)
    name = filters.sites[0].public_key if len(filters.sites) == 1 else "typodesk"
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return stream(request, chunks, content_type, f"{name}-findings-{stamp}.{ext}")


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
