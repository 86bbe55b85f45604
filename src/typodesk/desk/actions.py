"""The desk's status actions: a bulk change of the inbox's selected findings (or of the current
row), its confirmation when it changes many, and undo.

Each answers JSON when desk.js asks for it (Accept: application/json) so the list changes in
place, and redirects back to the list otherwise, so the desk works without JavaScript. Every action
goes through ``sites_for(user)`` and the user's role: a finding not on the user's sites is a 404, a
finding the user may only read is a 403, and then nothing changes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from typodesk.desk import inbox as q
from typodesk.desk import undo
from typodesk.desk.finding import STATUS_LABELS
from typodesk.findings.models import Finding
from typodesk.findings.services import set_status
from typodesk.sites.models import Membership, sites_for

EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}


def roles_of(user, sites) -> dict[int, str]:
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
#: A bulk action that changes more findings than this asks for confirmation first (docs/desk.md).
BULK_CONFIRM = 10


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
    """Where the action came from (``next``): a desk page on this host (the inbox with its filters,
    or a finding's page for its undo), else the inbox."""
    target = request.POST.get("next", "")
    inbox_url = reverse("desk:inbox")
    if target.startswith(inbox_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return inbox_url


def _wants_json(request) -> bool:
    """desk.js asks for JSON (Accept: application/json); a form posted without it gets a redirect."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _refuse(request, status: int, message: str):
    """A 4xx with its reason: JSON for desk.js, the page otherwise."""
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    if status == 403:
        return render(request, "desk/forbidden.html", status=403)
    if status == 404:
        raise Http404(message)
    return HttpResponseBadRequest(message)


def _list_statuses(next_url: str) -> list[str]:
    """The statuses the list at ``next_url`` shows (its status tab): a row whose finding no longer
    has one of them leaves the list."""
    status = QueryDict(urlsplit(next_url).query).get("status", "") or "open"
    return list(q.STATUSES.get(status, q.STATUSES["open"])[1])


def _rows(findings: list[Finding], request) -> list[dict]:
    """What desk.js needs to update each row: its new status, the status's name, and whether the
    list it is on (its status tab) still shows it."""
    shown = _list_statuses(_back_to_inbox(request))
    return [
        {"id": f.pk, "status": f.status, "label": str(STATUS_LABELS[f.status]), "in_list": f.status in shown}
        for f in findings
    ]


def _editable_findings(request, ids: list[int]):
    """The findings ``ids`` if the user may change every one of them; else the refusal (404 for
    one not on the user's sites or missing, 403 for one the user may only read)."""
    sites = list(sites_for(request.user))
    findings = list(
        Finding.objects.filter(pk__in=ids, site__in=sites).select_related("site", "page").order_by("pk")
    )
    if len(findings) != len(ids):
        return None, _refuse(request, 404, _("One of these findings does not exist or is not on your sites."))
    roles = roles_of(request.user, sites)
    if any(roles.get(f.site_id) not in EDIT_ROLES for f in findings):
        return None, _refuse(request, 403, _("You may read these findings but not change them."))
    return findings, None


@login_required
@require_POST
def bulk(request):
    """Change the status of the selected findings: all of them or, if any may not be changed by
    this user, none (403; 404 when one is not on the user's sites or does not exist).

    More than BULK_CONFIRM changes at once are confirmed first (``confirm=1``); every change can be
    undone in one step (desk.undo). desk.js asks for JSON and updates the list in place."""
    status = request.POST.get("status", "")
    if status not in {a[0] for a in BULK_ACTIONS}:
        return _refuse(request, 400, _("Choose one of the actions: fixed, not a mistake, spam or reopen."))
    try:
        ids = sorted({int(v) for v in request.POST.getlist("finding")})
    except ValueError:
        return _refuse(request, 400, _("The selection holds something that is not a finding."))
    if not ids:
        text = _("Select one or more findings first (their boxes, or x on the keyboard).")
        if _wants_json(request):
            return JsonResponse({"error": text}, status=400)
        messages.info(request, text)
        return redirect(_back_to_inbox(request))
    if len(ids) > BULK_MAX:
        return _refuse(request, 400, _("Select at most %(max)s findings at once.") % {"max": BULK_MAX})
    findings, refusal = _editable_findings(request, ids)
    if refusal is not None:
        return refusal
    to_change = [f for f in findings if f.status != status]
    if len(to_change) > BULK_CONFIRM and request.POST.get("confirm") != "1":
        return _confirm(request, status, findings, to_change)
    previous = {f.pk: (f.status, f.duplicate_of_id) for f in to_change}
    changed = []
    with transaction.atomic():
        for f in to_change:
            if set_status(f, status, request.user):
                changed.append(f)
    token = undo.remember(request, changed, previous) if changed else None
    text = (
        _bulk_message(status, len(changed))
        if changed
        else _("Nothing changed: the selected findings already had that status.")
    )
    if _wants_json(request):
        return JsonResponse(
            {
                "message": text,
                "undo": token,
                "findings": _rows(findings, request),
            }
        )
    if changed:
        undo.show(request, text, token)
    else:
        messages.info(request, text)
    return redirect(_back_to_inbox(request))


def _confirm(request, status: str, findings: list[Finding], to_change: list[Finding]):
    """Ask before changing many findings at once: a dialog (desk.js) or a page of its own."""
    n = len(to_change)
    label = str(next(a[1] for a in BULK_ACTIONS if a[0] == status))
    question = _confirm_question(status, n)
    yes = _("%(action)s: %(n)s findings") % {"action": label, "n": n}
    if _wants_json(request):
        return JsonResponse({"confirm": {"question": question, "yes": yes}})
    return render(
        request,
        "desk/bulk_confirm.html",
        {
            "question": question,
            "status": status,
            "yes": yes,
            "n": n,
            "findings": findings,
            "changing": to_change,
            "next": _back_to_inbox(request),
        },
    )


def _confirm_question(status: str, n: int) -> str:
    if status == Finding.Status.FIXED:
        text = ngettext("Mark %(n)s finding fixed?", "Mark %(n)s findings fixed?", n)
    elif status == Finding.Status.REJECTED:
        text = ngettext("Mark %(n)s finding not a mistake?", "Mark %(n)s findings not a mistake?", n)
    elif status == Finding.Status.SPAM:
        text = ngettext("Mark %(n)s finding spam?", "Mark %(n)s findings spam?", n)
    else:
        text = ngettext("Reopen %(n)s finding?", "Reopen %(n)s findings?", n)
    return text % {"n": n}


@login_required
@require_POST
def undo_view(request):
    """Undo one status change of the desk (its token): each finding gets its previous status back,
    a change of its own in the finding's history. The editor must still be allowed to change every
    finding (403/404 as for the change itself)."""
    token = request.POST.get("token", "")
    items = undo.lookup(request, token)
    if items is None:
        text = _("This change can no longer be undone: it was undone already, or it is too old.")
        if _wants_json(request):
            return JsonResponse({"error": text}, status=409)
        messages.info(request, text)
        return redirect(_back_to_inbox(request))
    findings, refusal = _editable_findings(request, sorted({item[0] for item in items}))
    if refusal is not None:
        return refusal
    done = undo.restore(items, {f.pk: f for f in findings}, request.user)
    undo.forget(request, token)
    n = len(done.restored)
    text = ngettext("%(n)s change undone.", "%(n)s changes undone.", n) % {"n": n}
    if done.kept:
        text += " " + ngettext(
            "%(n)s finding was changed again since and is left as it is.",
            "%(n)s findings were changed again since and are left as they are.",
            done.kept,
        ) % {"n": done.kept}
    if _wants_json(request):
        return JsonResponse(
            {
                "message": text,
                "findings": _rows(done.restored, request),
            }
        )
    undo.show(request, text, None)
    return redirect(_back_to_inbox(request))
