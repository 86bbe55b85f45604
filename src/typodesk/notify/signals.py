"""Hooks for the apps above notify (docs/architecture.md), which notify must not import."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent while a reader's "it is fixed" mail is rendered (typodesk.notify.reader.render), with
#: ``finding_id``. A receiver returns a dict of more template context, or None: typodesk.corrections
#: adds ``correction``, the finding's published correction when there is one.
reader_mail_context = Signal()
