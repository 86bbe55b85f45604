"""Pages, findings (one mistake) and reports (one reader's message about it)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from typodesk.sites.models import Site


class Page(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="pages")
    url = models.CharField(max_length=2048, help_text="Normalised URL (see findings.urlnorm).")
    url_hash = models.CharField(max_length=64, editable=False)
    title = models.CharField(max_length=500, blank=True)
    lang = models.CharField(max_length=35, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A hash because a 2,048-character URL is too long for a unique index on some databases.
        constraints = [models.UniqueConstraint(fields=["site", "url_hash"], name="unique_page_url")]

    def __str__(self) -> str:
        return self.url

    @staticmethod
    def hash_url(url: str) -> str:
        return hashlib.sha256(url.encode()).hexdigest()


class Finding(models.Model):
    """One mistake on one page, however many readers reported it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        FIXED = "fixed", "Fixed"
        REJECTED = "rejected", "Not a mistake"
        SPAM = "spam", "Spam"

    OPEN_STATUSES = (Status.NEW,)

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="findings")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="findings")
    # The quote as W3C TextQuoteSelector + TextPositionSelector on the page's canonical text.
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    span_key = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    report_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_reported = models.DateTimeField()
    status_changed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "span_key"], name="unique_finding_span")]
        indexes = [models.Index(fields=["site", "status", "-last_reported"], name="finding_inbox")]

    def __str__(self) -> str:
        return f"{self.exact[:40]!r} on {self.page}"

    @staticmethod
    def make_span_key(exact: str, start: int, end: int) -> str:
        return hashlib.sha256(f"{start}:{end}:{exact}".encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Report(models.Model):
    """What one reader sent. The raw client address is never stored."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="reports")
    created = models.DateTimeField(auto_now_add=True)
    url = models.CharField(max_length=2048, help_text="The page URL as the reader's browser had it.")
    title = models.CharField(max_length=500, blank=True)
    lang = models.CharField(max_length=35, blank=True)
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    suggestion = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    client_hash = models.CharField(max_length=64, blank=True, help_text="Salted hash, rotated daily.")

    class Meta:
        indexes = [models.Index(fields=["finding", "created"])]

    def __str__(self) -> str:
        return f"report {self.pk} on finding {self.finding_id}"


class StatusChange(models.Model):
    """Who changed a finding's status and when: the desk shows this history."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    old_status = models.CharField(max_length=10)
    new_status = models.CharField(max_length=10)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.old_status} → {self.new_status}"
