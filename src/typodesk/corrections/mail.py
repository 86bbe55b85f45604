"""The correction as the readers' "it is fixed" mail tells it (typodesk.notify.reader)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from typodesk.corrections.models import Correction
from typodesk.notify.content import clean


def reader_mail_context(sender, *, finding_id: int | None, **kwargs) -> dict:
    """typodesk.notify.signals.reader_mail_context's receiver (connected in CorrectionsConfig)."""
    return {"correction": correction_for_mail(finding_id)}


def correction_for_mail(finding_id: int | None) -> dict | None:
    """The finding's published correction, read when the mail is rendered (so a correction
    published with the fix, or before the worker sends the mail, is in it); None without one."""
    if finding_id is None:
        return None
    c = Correction.objects.select_related("site").filter(finding_id=finding_id, withdrawn_at=None).first()
    if c is None:
        return None
    return {
        "kind": c.kind,
        "text": clean(c.text, one_line=True, limit=1000),
        "log_url": settings.BASE_URL.rstrip("/")
        + reverse("corrections-public:page", args=[c.site.public_key]),
    }
