"""Fix verification's part in what happens to findings (typodesk.findings.signals).

The page reader reads a page soon after a new finding (its text then is the snapshot later checks
compare against), after a reader reopened a finding marked fixed, and after an editor marks one
fixed (is the fix there or not?). Connected by :class:`typodesk.pages.apps.PagesConfig`.
"""

from __future__ import annotations

from django.conf import settings

from typodesk.findings.models import Finding


def _forget_verdict(finding: Finding) -> None:
    Finding.objects.filter(pk=finding.pk).exclude(verification=Finding.Verification.NONE).update(
        verification=Finding.Verification.NONE
    )
    finding.verification = Finding.Verification.NONE


def report_recorded(sender, *, finding, page, duplicate: bool, previous_status, root: str, **kwargs) -> None:
    """A new finding's page is read soon; so is a fixed finding's that a reader reopened."""
    from typodesk.pages.schedule import schedule

    reopened = duplicate and previous_status == Finding.Status.FIXED
    if reopened:
        _forget_verdict(finding)  # the last verdict described the finding before it was reopened
    if not duplicate or reopened:
        schedule(page, delay=settings.TYPODESK_FETCH_FIRST_DELAY, root=root)


def status_changed(sender, *, finding, new_status: str, **kwargs) -> None:
    """An editor's decision replaces the page reader's last verdict; "fixed" is checked on the page."""
    from typodesk.pages.models import PageCheck
    from typodesk.pages.schedule import schedule

    _forget_verdict(finding)
    if new_status == Finding.Status.FIXED:
        schedule(finding.page, delay=settings.TYPODESK_FETCH_FIXED_DELAY, reason=PageCheck.Reason.FIXED)
