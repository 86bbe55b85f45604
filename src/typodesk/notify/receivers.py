"""Notifications of what happens to findings (typodesk.findings.signals).

Each receiver writes to the outbox in the transaction of the change (typodesk.notify.outbox), so
a notification exists exactly when its change does. Connected by
:class:`typodesk.notify.apps.NotifyConfig`.
"""

from __future__ import annotations


def report_recorded(sender, *, finding, report, duplicate: bool, previous_status, when, notify: bool, **kw):
    """Channels hear of a new finding, another report of one, or a fixed one a reader reopened."""
    from typodesk.notify import outbox

    if notify:
        outbox.report_recorded(
            finding, report, duplicate=duplicate, previous_status=previous_status, when=when
        )


def reports_added(sender, *, site, described, when, **kwargs) -> None:
    """A group of reports on open findings: described only when the site has a channel at all."""
    from typodesk.notify import outbox
    from typodesk.notify.models import Channel

    if not Channel.objects.filter(site_id=site.pk).exists():
        return
    for finding, report, previous_status in described():
        outbox.report_recorded(finding, report, duplicate=True, previous_status=previous_status, when=when)


def status_changed(sender, *, finding, old_status: str, new_status: str, user, when, **kwargs) -> None:
    """Channels hear of a fix; the readers who left an address get a "fixed" mail each (the address
    is erased once it is sent), and closing a finding otherwise erases the addresses."""
    from typodesk.notify import outbox, reader

    outbox.status_changed(finding, new_status, user, when=when)
    reader.status_changed(finding, old_status, new_status, when=when)
