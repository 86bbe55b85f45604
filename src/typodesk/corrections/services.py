"""Publishing, editing and withdrawing a correction: one place for the desk and the API.

Each change writes a :class:`CorrectionChange` with who made it, in the transaction of the change.
Publishing on a finding that is still open marks it fixed in the same transaction (an editor
publishes a correction when closing a finding), so the readers' "it is fixed" mail, queued by
that status change, carries the correction (typodesk.notify.reader reads it when it sends).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from typodesk.corrections.models import TEXT_MAX, TITLE_MAX, Correction, CorrectionChange
from typodesk.corrections.public import printable
from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status

#: Statuses a finding may have when a correction is published on it (open ones become fixed).
PUBLISHABLE = {Finding.Status.NEW, Finding.Status.FIXED}


class CorrectionError(ValueError):
    """A correction that cannot be published as asked; the message says what to do."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def clean_text(value: str | None, limit: int, field: str, *, required: bool) -> str:
    """One line, without control characters or bidirectional overrides (it goes into HTML, Atom
    and JSON, and into readers' mail); raises CorrectionError when empty or too long."""
    text = printable(value or "")
    if required and not text:
        raise CorrectionError(_("Write the text of the correction readers will see."), field)
    if len(text) > limit:
        message = (
            _("The title is too long: keep it under %(max)s characters.")
            if field == "title"
            else _("The text is too long: keep it under %(max)s characters.")
        )
        raise CorrectionError(message % {"max": limit}, field)
    return text


def replacement_of(finding: Finding) -> str:
    """What the text says now: the page reader's replacement, else the readers' most frequent
    suggestion, else the spell checker's."""
    if finding.replacement:
        return finding.replacement
    top = (
        Report.objects.filter(finding=finding)
        .exclude(suggestion="")
        .exclude(suggestion=finding.exact)
        .values_list("suggestion", flat=True)
        .order_by("-created")
        .first()
    )
    return top or finding.spell_suggestion or ""


def default_text(finding: Finding) -> str:
    """The text an editor starts from, in the site's language."""
    new = replacement_of(finding).strip()
    old = finding.exact.strip()
    with translation.override(finding.site.default_language):
        if new and new != old:
            text = _("An earlier version of this article said “%(old)s”; it now says “%(new)s”.") % {
                "old": old,
                "new": new,
            }
        else:
            text = _("An earlier version of this article said “%(old)s”.") % {"old": old}
    return text[:TEXT_MAX]


def publish(finding: Finding, user, *, text: str, kind: str, title: str | None = None) -> Correction:
    """Publish the finding's correction, or change the published one (or publish it again after
    it was withdrawn). Raises :class:`CorrectionError`."""
    if kind not in Correction.Kind.values:
        raise CorrectionError(_("Choose the kind: correction or clarification."), "kind")
    text = clean_text(text, TEXT_MAX, "text", required=True)
    title = clean_text(finding.page.title if title is None else title, TITLE_MAX, "title", required=False)
    if finding.status not in PUBLISHABLE:
        raise CorrectionError(
            _("Only a finding that is fixed, or open and being fixed now, can have a correction."), "status"
        )
    now = timezone.now()
    with transaction.atomic():
        # One editor's publication at a time per finding (PostgreSQL; SQLite writes one at a time).
        Finding.objects.select_for_update().filter(pk=finding.pk).first()
        if finding.status != Finding.Status.FIXED:
            set_status(finding, Finding.Status.FIXED, user)
        correction = Correction.objects.select_for_update().filter(finding=finding).first()
        if correction is None:
            correction = _create(finding, kind=kind, title=title, text=text, now=now)
        if correction.published_at == now:
            action = CorrectionChange.Action.PUBLISHED
        else:
            if correction.is_live and (correction.kind, correction.title, correction.text) == (
                kind,
                title,
                text,
            ):
                return correction  # nothing changed: no history row
            live = correction.is_live
            action = CorrectionChange.Action.EDITED if live else CorrectionChange.Action.PUBLISHED
            if not live:
                correction.published_at = now
            correction.kind, correction.title, correction.text = kind, title, text
            correction.updated_at, correction.withdrawn_at = now, None
            correction.save()
        CorrectionChange.objects.create(
            correction=correction, user=user, action=action, kind=kind, title=title, text=text, created=now
        )
    return correction


def _create(finding: Finding, *, kind: str, title: str, text: str, now) -> Correction:
    """The finding's first correction; the one another editor created a moment ago, if so."""
    try:
        with transaction.atomic():
            return Correction.objects.create(
                finding=finding,
                site_id=finding.site_id,
                page_id=finding.page_id,
                kind=kind,
                title=title,
                text=text,
                published_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return Correction.objects.select_for_update().get(finding=finding)


def withdraw(finding: Finding, user) -> bool:
    """Take the finding's correction out of public view; False when there is none to withdraw."""
    now = timezone.now()
    with transaction.atomic():
        correction = Correction.objects.select_for_update().filter(finding=finding, withdrawn_at=None).first()
        if correction is None:
            return False
        correction.withdrawn_at = correction.updated_at = now
        correction.save(update_fields=["withdrawn_at", "updated_at"])
        CorrectionChange.objects.create(
            correction=correction,
            user=user,
            action=CorrectionChange.Action.WITHDRAWN,
            kind=correction.kind,
            title=correction.title,
            text=correction.text,
            created=now,
        )
    return True


def live_for_finding(finding_id: int) -> Correction | None:
    """The finding's published correction, if it has one."""
    return Correction.objects.filter(finding_id=finding_id, withdrawn_at=None).first()
