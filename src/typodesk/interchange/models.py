"""What the Orphus mail import remembers: which mails became which reports."""

from __future__ import annotations

from django.db import models

from typodesk.findings.models import Report


class ImportedMail(models.Model):
    """One mail turned into a report, so that importing the same mailbox again skips it.

    ``key`` is the SHA-256 of the mail's Message-ID, or of its bytes when it has none. The row
    goes with its report: deleting the findings lets the mail be imported again.
    """

    key = models.CharField(max_length=64, unique=True)
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=500, blank=True)
    imported = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.message_id or self.key
