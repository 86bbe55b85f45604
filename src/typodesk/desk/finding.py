"""The desk's page of one finding: the mistake in its paragraph, the readers' suggestions as
word-level differences, every report, the status history and the editors' note; and its actions
(status, duplicate mark, note, re-check).

Every view goes through ``sites_for(user)``: a finding of a site the user is not a member of is a
404, exactly like a finding that does not exist. Changing anything needs the owner or editor role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from typodesk.desk import undo
from typodesk.desk.finding_state import regression_of, spam_signs, status_label_of, summary_of
from typodesk.desk.fragment import live_link
from typodesk.desk.suggestions import is_the_quote, suggestions_of
from typodesk.findings import history
from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.findings.services import StatusError, set_status
from typodesk.pages.desk import finding_context
from typodesk.pages.models import PageCheck
from typodesk.pages.schedule import schedule_now
from typodesk.sites.models import Membership, role_of, sites_for
from typodesk.text import normalize

EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}
# A page of reports: the summary above them says what they have in common.
REPORTS_PER_PAGE = 10
#: The most frequent comments the summary of the reports quotes.
SUMMARY_COMMENTS = 3
# Pages of reports one may ask for: 500 million reports, and an offset every database takes.
MAX_REPORTS_PAGE = 10_000_000
SUGGESTIONS = 12
NOTE_MAX = 5000
#: Characters of the page's text shown at most on each side of the quote.
PARAGRAPH_REACH = 320
SENTENCES = 2

# The statuses as the desk names them (the model's labels are not translated).
STATUS_LABELS = {
    Finding.Status.NEW: pgettext_lazy("finding status", "New"),
    Finding.Status.FIXED: pgettext_lazy("finding status", "Fixed"),
    Finding.Status.REJECTED: pgettext_lazy("finding status", "Not a mistake"),
    Finding.Status.SPAM: pgettext_lazy("finding status", "Spam"),
    Finding.Status.DUPLICATE: pgettext_lazy("finding status", "Duplicate"),
}

# (status, button label, shortcut key: desk.js presses the button for the key). The first one
# the finding can take is the page's primary button; the others are secondary.
ACTIONS = [
    (Finding.Status.FIXED, gettext_lazy("Mark fixed"), "f"),
    (Finding.Status.REJECTED, gettext_lazy("Not a mistake"), "n"),
    (Finding.Status.SPAM, gettext_lazy("Spam"), "s"),
    (Finding.Status.NEW, gettext_lazy("Reopen"), "r"),
]


def _finding_for(request, pk: int) -> Finding:
    return get_object_or_404(
        Finding.objects.select_related("page", "site").filter(site__in=sites_for(request.user)), pk=pk
    )


# What the page shows --------------------------------------------------------------------------

__all__ = ["is_the_quote", "suggestions_of"]  # desk.inbox and the tests read them from here


@dataclass
class Context:
    """The quote in the widest context we reliably have."""

    before: str
    exact: str
    after: str
    source: str  # "page" (the page reader's text) or "report" (what the reader's browser sent)
    read_at: object = None


_SENTENCE_END = re.compile(r"[.!?…](?:[\"'»”)\]]*)\s")


def paragraph_of(finding: Finding, check: PageCheck | None) -> Context:
    """The quote in its paragraph. The page reader's text is used only where it holds the reader's
    own context around the quote (so it is the place the reader meant), the latest reading first
    (what the page says now: a sentence edited around the mistake shows as it reads today), then
    the first one; otherwise the context the reader's browser sent."""
    fallback = Context(finding.prefix, finding.exact, finding.suffix, "report")
    if check is None:
        return fallback
    needle = normalize(finding.prefix + finding.exact + finding.suffix)
    exact = normalize(finding.exact)
    if not needle or not exact:
        return fallback
    for text, when in ((check.text, check.last_success_at), (check.snapshot, check.snapshot_at)):
        if not text:
            continue
        at = text.find(needle)
        if at < 0 or text.find(needle, at + 1) >= 0:
            continue  # not there, or there twice: we cannot tell which one the reader meant
        start = text.find(exact, at + max(0, len(normalize(finding.prefix)) - 1))
        if start < 0:
            continue
        end = start + len(exact)
        return Context(_lead(text, start), text[start:end], _tail(text, end), "page", when)
    return fallback


def _lead(text: str, start: int) -> str:
    """Up to two sentences before ``start`` (at most PARAGRAPH_REACH characters)."""
    lo = max(0, start - PARAGRAPH_REACH)
    window = text[lo:start]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if len(ends) >= SENTENCES:
        return window[ends[-SENTENCES] :]
    if lo == 0:
        return window
    if ends:
        return window[ends[0] :]
    cut = window.find(" ")
    return "…" + (window[cut + 1 :] if cut >= 0 else window)


def _tail(text: str, end: int) -> str:
    hi = min(len(text), end + PARAGRAPH_REACH)
    window = text[end:hi]
    ends = [m.end() for m in _SENTENCE_END.finditer(window + " ")]
    if len(ends) >= SENTENCES:
        return window[: ends[SENTENCES - 1]].rstrip()
    if hi == len(text):
        return window
    if ends:
        return window[: ends[-1]].rstrip()
    cut = window.rfind(" ")
    return (window[:cut] if cut > 0 else window) + "…"


@dataclass
class HistoryRow:
    change: StatusChange
    old_label: str
    new_label: str
    who: str  # "editor", "page reader", "reader", "automatic"
    why: str = ""  # the automatic change's explanation, in the desk's language (findings.history)


def history_of(finding: Finding) -> list[HistoryRow]:
    rows = []
    for h in finding.history.all():
        if h.user_id:
            who = "editor"
        elif history.is_automatic(h):
            who = "automatic"
        elif h.note or h.code:
            who = "page reader"
        else:
            who = "reader"
        rows.append(
            HistoryRow(
                h,
                STATUS_LABELS.get(h.old_status, h.old_status),
                STATUS_LABELS.get(h.new_status, h.new_status),
                who,
                history.describe(h),
            )
        )
    return rows


def _reports_page(raw: str) -> int | None:
    """The page of reports asked for (1 when none is), or None for a value that is not one."""
    raw = raw.strip()
    if not raw:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_REPORTS_PAGE)):
        return None
    page = int(raw)
    return page if 1 <= page <= MAX_REPORTS_PAGE else None


@login_required
def finding(request, pk: int):
    f = _finding_for(request, pk)
    return render_finding(request, f)


def render_finding(request, f: Finding, *, error: str = "", status: int = 200, note: str | None = None):
    """The finding's page, with ``error`` shown over its forms; the forms of other apps that post
    from it (typodesk.corrections) answer with it too."""
    f = (
        Finding.objects.select_related("page", "site")
        .prefetch_related(
            Prefetch(
                "history", queryset=StatusChange.objects.select_related("user").order_by("created", "pk")
            )
        )
        .get(pk=f.pk)
    )
    # Newest first, a page at a time: a finding may have thousands of reports.
    page = _reports_page(request.GET.get("reports", ""))
    if page is None:
        page = 1
        error = error or _("“reports” must be the number of a page of reports, from 1 to %(max)d.") % {
            "max": MAX_REPORTS_PAGE
        }
        status = max(status, 400)
    start = (page - 1) * REPORTS_PER_PAGE
    reports = list(
        Report.objects.filter(finding=f).order_by("-created", "-pk")[start : start + REPORTS_PER_PAGE + 1]
    )
    more = len(reports) > REPORTS_PER_PAGE
    reports = reports[:REPORTS_PER_PAGE]
    context = finding_context(f)  # the page reader's evidence and the spell checker's suggestion
    can_edit = role_of(request.user, f.site) in EDIT_ROLES
    actions = [a for a in ACTIONS if a[0] != f.status] if can_edit else []
    return render(
        request,
        "desk/finding.html",
        {
            **context,
            "f": f,
            "reports": reports,
            "status_label": status_label_of(f, STATUS_LABELS),
            "regression": regression_of(f, request.user),
            "spam_signs": spam_signs(f),
            "summary": summary_of(f, SUMMARY_COMMENTS),
            "paragraph": paragraph_of(f, context["page_check"]),
            "suggestions": suggestions_of(f),
            "live": live_link(f.page.url, f.exact, f.prefix, f.suffix),
            "history": history_of(f),
            "can_edit": can_edit,
            "actions": actions,
            "primary_action": actions[0][0] if actions else None,
            "error": error,
            "note_value": f.note if note is None else note,
            "waiting_readers": Report.objects.filter(finding=f).exclude(email="").count(),
            "reports_page": page,
            "reports_next": page + 1 if more else None,
            "reports_prev": page - 1 if page > 1 else None,
            "reports_first": start + 1,
            "reports_last": start + len(reports),
            "toast": undo.take_toast(request),
        },
        status=status,
    )


# What the page changes ------------------------------------------------------------------------


@login_required
@require_POST
def finding_recheck(request, pk: int):
    """The desk's "Re-check the page now": the worker reads the page within seconds (docs/verification.md)."""
    f = _finding_for(request, pk)
    if role_of(request.user, f.site) not in EDIT_ROLES:
        return render(request, "desk/forbidden.html", status=403)
    scheduled = bool(schedule_now(f.page, PageCheck.Reason.DESK))
    if scheduled:
        text = _("The page will be read again in a few seconds; reload to see the result.")
    else:
        text = _("No finding on this page is waiting for verification; nothing to re-check.")
    if "application/json" in request.headers.get("Accept", ""):
        # finding.js: it says so at once and waits for the reading by itself.
        if scheduled:
            text = _("The page will be read again in a few seconds; this page updates when it is.")
        return JsonResponse({"scheduled": scheduled, "message": text}, status=202 if scheduled else 200)
    (messages.success if scheduled else messages.info)(request, text)
    return redirect("desk:finding", pk=f.pk)


@login_required
@require_POST
def finding_status(request, pk: int):
    """Change the status (``status``), mark a duplicate (``status=duplicate`` and ``duplicate_of``,
    a finding number of the same site) or save the editors' note (``note``)."""
    f = _finding_for(request, pk)
    if role_of(request.user, f.site) not in EDIT_ROLES:
        return render(request, "desk/forbidden.html", status=403)
    status = request.POST.get("status", "") or None
    note = request.POST.get("note")
    if note is not None:
        note = note.replace("\r\n", "\n").strip()
        if len(note) > NOTE_MAX:
            return render_finding(
                request,
                f,
                error=_("The note is too long: keep it under %(max)s characters.") % {"max": NOTE_MAX},
                status=400,
                note=note,
            )
    if status is None and note is None:
        return render_finding(request, f, error=_("Choose a status or write a note."), status=400)
    if status is not None and status not in Finding.Status.values:
        return render_finding(request, f, error=_("Unknown status: choose one of the buttons."), status=400)
    target = None
    if status == Finding.Status.DUPLICATE:
        raw = request.POST.get("duplicate_of", "").strip().lstrip("#")
        if not raw.isdigit():
            return render_finding(
                request,
                f,
                error=_("Enter the number of the finding this one repeats, e.g. 1234."),
                status=400,
            )
        target = Finding.objects.filter(pk=int(raw), site_id=f.site_id).select_related("page").first()
        if target is None:
            return render_finding(
                request,
                f,
                error=_("There is no finding #%(n)s on %(site)s.") % {"n": raw, "site": f.site.name},
                status=400,
            )
        if target.page_id != f.page_id:
            return render_finding(request, f, error=other_page_error(target), status=400)
    previous = {f.pk: (f.status, f.duplicate_of_id)}
    try:
        changed = set_status(
            f, None if target is not None else status, request.user, note=note, duplicate_of=target
        )
    except StatusError as e:
        return render_finding(request, f, error=_status_error(e), status=400)
    if not changed:
        messages.info(request, _("Nothing changed."))
    elif status is not None:
        # The toast, with Undo (z): the status and duplicate mark the finding had (desk.undo).
        undone_by = (
            undo.remember(request, [f], previous) if previous[f.pk] != (f.status, f.duplicate_of_id) else None
        )
        undo.show(request, _("Finding marked “%(status)s”.") % {"status": STATUS_LABELS[f.status]}, undone_by)
    else:
        messages.success(request, _("Note saved."))
    return redirect("desk:finding", pk=f.pk)


def other_page_error(target: Finding) -> str:
    """A duplicate repeats a mistake on the same page: the same words elsewhere are another mistake."""
    return _(
        "Finding #%(n)s is on another page (%(url)s): a finding can only duplicate one on the same page."
    ) % {"n": target.pk, "url": target.page.url}


def _status_error(e: StatusError) -> str:
    text = str(e)
    if "itself" in text:
        return _("A finding cannot be a duplicate of itself.")
    if "each other" in text:
        return _("These findings are marked duplicates of each other; reopen one of them first.")
    if "same site" in text:
        return _("A finding can only duplicate a finding of the same site.")
    return _("This change is not possible: %(reason)s.") % {"reason": text}
