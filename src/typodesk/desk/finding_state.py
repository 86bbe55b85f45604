"""What the finding page says about a finding beyond its text: a regression in plain words, a
"possible spam" warning, and the summary of its reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from typodesk.findings.models import Finding, Report
from typodesk.notify.editor import marked_fixed_by


@dataclass
class Regression:
    who: str  # "" when the viewer marked it fixed themselves
    marked_at: object
    checked_at: object
    now_reads: str  # the page's words now where the quote stands (the evidence)

    @property
    def marked(self) -> str:
        return when(self.marked_at)

    @property
    def checked(self) -> str:
        return when(self.checked_at)


def when(moment) -> str:
    """A time as people say it: "20:30" today, with the date on another day."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.date_format(local, "TIME_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def regression_of(finding: Finding, viewer) -> Regression | None:
    """Why a finding that someone marked fixed is back: the page reader found the mistake still
    there (Finding.is_regressed)."""
    if not finding.is_regressed:
        return None
    user, marked_at = marked_fixed_by(finding)
    if user is None:
        return None
    who = "" if user.pk == viewer.pk else (user.name or user.email)
    after = (finding.evidence or {}).get("after") or {}
    return Regression(who, marked_at, finding.verified_at, after.get("text", "") or finding.exact)


@dataclass
class SpamSigns:
    reports: int  # reports judged spam
    reason: str  # the latest one's reason
    clean_readers: int


def spam_signs(finding: Finding) -> SpamSigns | None:
    """Reports of a finding that admission judged spam, when the finding itself is not in the spam
    folder: many readers confirm it, so it is shown with a warning instead of hidden."""
    if finding.status == Finding.Status.SPAM:
        return None
    suspicious = Report.objects.filter(finding=finding).exclude(spam="")
    latest = suspicious.order_by("-created", "-pk").values_list("spam", flat=True).first()
    if latest is None:
        return None
    from typodesk.findings.services import clean_readers

    return SpamSigns(suspicious.count(), latest, clean_readers(finding.pk))


@dataclass
class Summary:
    reports: int
    readers: int
    comments: list[tuple[str, int]]  # the most frequent comments and how many reports sent each
    with_comment: int


def summary_of(finding: Finding, comments: int) -> Summary:
    rows = (
        Report.objects.filter(finding=finding)
        .exclude(comment="")
        .values_list("comment")
        .annotate(n=Count("id"))
        .order_by("-n", "comment")
    )
    top = list(rows[:comments])
    with_comment = Report.objects.filter(finding=finding).exclude(comment="").count() if top else 0
    return Summary(finding.report_count, finding.reader_count, top, with_comment)


def status_label_of(finding: Finding, labels: dict) -> str:
    """The badge: *Regressed* rather than a plain *New* for a fix that is not on the page."""
    if finding.is_regressed:
        return _("Regressed")
    return str(labels.get(finding.status, finding.status))
