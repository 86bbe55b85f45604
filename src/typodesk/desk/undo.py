"""Undo for the desk's status changes.

Every status change made from the desk (one finding or a bulk selection) is remembered in the
editor's session with each finding's previous status (and the finding it duplicated), under a
random token. Undo is a change like any other: it goes through ``set_status`` (so it is in the
finding's history, with its notifications), and the editor must still be allowed to change each
finding. Kept in the session, not the browser, so that a token cannot be forged or carry statuses
of its own, and is gone when the editor logs out.

A finding changed again since (by anyone, or by a reader's new report) is left as it is: undo
restores only what the action it undoes left behind.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from typodesk.findings.models import Finding, StatusChange
from typodesk.findings.services import StatusError, set_status

SESSION_KEY = "desk_undo"
TOAST_KEY = "desk_toast"
#: Actions one can still undo (the newest ones): a toast shows the last one; a few more cover
#: other tabs of the desk.
KEEP = 10


@dataclass
class Undone:
    restored: list[Finding]
    kept: int  # findings changed again since the action, left as they are


def remember(request, findings: list[Finding], previous: dict[int, tuple[str, int | None]]) -> str:
    """Remember the previous (status, duplicate of) of the ``findings`` an action just changed;
    returns the token that undoes it."""
    ids = [f.pk for f in findings]
    last = dict(
        StatusChange.objects.filter(finding_id__in=ids)
        .values("finding_id")
        .annotate(last=Max("pk"))
        .values_list("finding_id", "last")
    )
    token = secrets.token_urlsafe(12)
    entry = {"token": token, "items": [[pk, *previous[pk], last.get(pk)] for pk in ids]}
    stack = [e for e in request.session.get(SESSION_KEY, []) if isinstance(e, dict)]
    request.session[SESSION_KEY] = [*stack, entry][-KEEP:]
    return token


def lookup(request, token: str) -> list[list] | None:
    """The items of the action ``token`` undoes: [finding id, status, duplicate of, change id]."""
    given = token.encode("utf-8", "replace")
    for entry in request.session.get(SESSION_KEY, []):
        if not isinstance(entry, dict) or not token:
            continue
        if secrets.compare_digest(str(entry.get("token", "")).encode(), given):
            return entry["items"]
    return None


def forget(request, token: str) -> None:
    request.session[SESSION_KEY] = [
        e for e in request.session.get(SESSION_KEY, []) if isinstance(e, dict) and e.get("token") != token
    ]


def restore(items: list[list], findings: dict[int, Finding], user) -> Undone:
    """Give each finding its previous status back, unless it was changed again since."""
    ids = [item[0] for item in items]
    last = dict(
        StatusChange.objects.filter(finding_id__in=ids)
        .values("finding_id")
        .annotate(last=Max("pk"))
        .values_list("finding_id", "last")
    )
    restored, kept = [], 0
    with transaction.atomic():
        for pk, status, duplicate_of, change in items:
            f = findings[pk]
            if last.get(pk) != change:
                kept += 1
                continue
            target = None
            if status == Finding.Status.DUPLICATE and duplicate_of:
                target = Finding.objects.filter(pk=duplicate_of, site_id=f.site_id).first()
            try:
                if set_status(f, None if target else status, user, duplicate_of=target):
                    restored.append(f)
            except StatusError:
                kept += 1
    return Undone(restored, kept)


def show(request, message: str, token: str | None) -> None:
    """The toast the next desk page shows (after a form post without JavaScript)."""
    request.session[TOAST_KEY] = {"message": message, "token": token}


def take_toast(request) -> dict | None:
    """The toast to show on this page, once."""
    toast = request.session.pop(TOAST_KEY, None)
    return toast if isinstance(toast, dict) else None
