"""What the page reader keeps: a schedule per reported page, fetch slots per site, the site's words.

``PageCheck``
    one row per reported page: when it is read next (``due_at``), who is reading it now (a lease,
    so several workers never fetch one page at once), the validators for conditional requests,
    the text of the first reading (the snapshot the fix verification compares against) and of
    the latest one, and how the last attempt went.
``FetchSlot``
    ``TYPODESK_FETCH_PER_SITE`` rows per site, each a lease: a worker holds one while it talks to
    the site, so however many workers run, a site never gets more requests at once than that.
``SiteWord``
    the site's own vocabulary, learned from its pages, so that the spell checker never
    "corrects" the names the site uses (see :mod:`typodesk.pages.vocabulary`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from typodesk.findings.models import Page
from typodesk.sites.models import Site


class PageCheck(models.Model):
    """The reading schedule of one page and what its last reading saw."""

    class Reason(models.TextChoices):
        REPORT = "report", _("A new finding")
        FIXED = "fixed", _("An editor marked a finding fixed")
        SCHEDULE = "schedule", _("Scheduled check of open findings")
        DESK = "desk", _("Requested in the desk")
        API = "api", _("Requested through the API")
        RETRY = "retry", _("Retry after a failed reading")

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="page_check")
    # When the page is read next; NULL: nothing on it needs checking.
    due_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.REPORT)
    # The root selector the widget reported using on this page (the site's setting wins).
    root = models.CharField(max_length=200, blank=True)

    # The lease: set by a conditional UPDATE, see jobs.PageReader.claim.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    # Conditional requests: sent back as If-None-Match / If-Modified-Since.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    fetched_url = models.CharField(max_length=2048, blank=True, help_text="After redirects.")
    text = models.TextField(blank=True, help_text="Canonical text of the latest reading.")
    text_hash = models.CharField(max_length=64, blank=True)
    lang = models.CharField(max_length=35, blank=True, help_text="The page's <html lang>.")
    snapshot = models.TextField(blank=True, help_text="Canonical text of the first reading.")
    snapshot_at = models.DateTimeField(null=True, blank=True)
    # Fold keys this page contributed to the site's vocabulary (to add and remove differences).
    words = models.JSONField(default=list, blank=True)

    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status.")
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed readings in a row.")

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="pagecheck_due", condition=Q(due_at__isnull=False))]

    def __str__(self) -> str:
        return f"check of {self.page_id} due {self.due_at}"


class FetchSlot(models.Model):
    """One of a site's concurrent-request slots; held through a lease like a page."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="fetch_slots")
    number = models.PositiveSmallIntegerField()
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="unique_fetch_slot")]

    def __str__(self) -> str:
        return f"slot {self.number} of {self.site_id}"


class SiteWord(models.Model):
    """A word the site's pages use, and on how many of its pages it stands."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="words")
    key = models.CharField(max_length=100, help_text="Case-folded (spelling._text.fold_key).")
    surface = models.CharField(max_length=100, help_text="How the site writes it.")
    languages = models.CharField(max_length=100, blank=True, help_text="Comma-separated language codes.")
    pages = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "key"], name="unique_site_word")]
        indexes = [models.Index(fields=["site", "pages"], name="siteword_trusted")]

    def __str__(self) -> str:
        return f"{self.surface} ({self.pages} pages)"
