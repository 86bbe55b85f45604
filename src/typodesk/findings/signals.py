"""What happens to findings, for the apps that act on it: notifications, the page reader.

findings sits below typodesk.notify and typodesk.pages (docs/architecture.md): it says what
happened and they decide what to do, each connecting its receivers in its ``AppConfig.ready``.
Every signal is sent inside the transaction of its change, so what a receiver writes (an outbox
row, a scheduled page reading) commits with the change or not at all; a receiver's exception
undoes the change.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A reader's report was stored and is not spam (``services.record_report``). Arguments:
#: ``finding``, ``report``, ``duplicate`` (it joined an existing finding), ``previous_status``
#: (the finding's status before, None when new), ``when``, ``notify`` (False for imports: old
#: reports are not news), ``page`` and ``root`` (the root selector the widget read the page's text from).
report_recorded = Signal()

#: Reports joined existing open findings in one group (``services.record_reports``' fast path).
#: Arguments: ``site``, ``when`` and ``described``, a callable returning, per report, (the finding as it was
#: right after that report, the report, the finding's status before it): it costs a query, so a
#: receiver calls it only when it needs it.
reports_added = Signal()

#: An editor changed a finding's status (``services.set_status``). Arguments: ``finding`` (its
#: attributes still the old ones), ``old_status``, ``new_status``, ``user`` and ``when``.
status_changed = Signal()
