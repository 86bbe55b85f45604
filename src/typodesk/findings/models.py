"""Pages, findings (one mistake) and reports (one reader's message about it)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
        NEW = "new", _("New")
        FIXED = "fixed", _("Fixed")
        REJECTED = "rejected", _("Not a mistake")
        SPAM = "spam", _("Spam")
        DUPLICATE = "duplicate", _("Duplicate")  # of ``duplicate_of``

    OPEN_STATUSES = (Status.NEW,)

    class Verification(models.TextChoices):
        """What the page reader last concluded (typodesk.pages; docs/verification.md).

        Kept apart from the status: the status is the editors' workflow, this is the evidence.
        """

        NONE = "none", _("Not verified")
        FIXED_ON_PAGE = "fixed_on_page", _("Fixed on the page")
        STILL_ON_PAGE = "still_on_page", _("Still on the page")
        TEXT_GONE = "text_gone", _("Text gone")
        UNCERTAIN = "uncertain", _("Page changed too much to tell")

    class Spelling(models.TextChoices):
        """Whether the spell checker looked at the quote yet, and what came of it."""

        PENDING = "pending", _("Not checked yet")
        SUGGESTED = "suggested", _("Suggestion made")
        NONE = "none", _("Nothing misspelled")
        OFF = "off", _("No dictionary for the language")

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
    # Distinct readers among the reports: a reader (the day's salted hash, Report.client_hash) who
    # reports the same mistake twice counts once; a report without a hash (an import) counts as
    # a reader of its own. What the desk ranks findings by; report_count stays the raw count.
    reader_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_reported = models.DateTimeField()
    status_changed = models.DateTimeField(null=True, blank=True)
    # Status "duplicate": the finding it repeats (same site; never itself a duplicate when set).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    note = models.TextField(blank=True, help_text="The editors' note on the finding.")
    # Fix verification: the last verdict of the page reader and its evidence, i.e. the reader's
    # context and the page's text now around the same place ({"before": …, "after": …, …}).
    verification = models.CharField(max_length=15, choices=Verification.choices, default=Verification.NONE)
    verified_at = models.DateTimeField(null=True, blank=True)
    replacement = models.TextField(blank=True, help_text="What the page now says instead of the quote.")
    evidence = models.JSONField(default=dict, blank=True)
    # The spell checker's own correction of the quote, computed by the worker.
    spell_status = models.CharField(max_length=10, choices=Spelling.choices, default=Spelling.PENDING)
    spell_suggestion = models.TextField(blank=True)
    # Why, when the suggestion reads the sentence (a real-word or repeated-word error: "repeated
    # word", "than after a comparative"); empty for a plain misspelling. Nullable rather than
    # NOT NULL with a default: SQLite adds a nullable column in place, while a NOT NULL one makes
    # Django rebuild the table, which the triggers of migration 0005 do not survive. NULL (rows
    # from before the column, or written by the previous version during an upgrade) reads as "".
    spell_reason = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # While pending: a lease (NULL or past: free to take); afterwards: when it was checked.
    spell_checked_at = models.DateTimeField(null=True, blank=True)
    # Copies kept by database triggers (migration 0005) for the desk's inbox filters, so that
    # every ingestion path maintains them: the page's language, and whether any reader
    # suggested a correction.
    lang = models.CharField(max_length=35, blank=True, editable=False)
    has_suggestion = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "span_key"], name="unique_finding_span")]
        indexes = [
            models.Index(fields=["site", "status", "-last_reported"], name="finding_inbox"),
            # The inbox's and the API's sorts by first report (newest, oldest): see findings.listing.
            models.Index(fields=["site", "status", "-created"], name="finding_site_created"),
            models.Index(
                fields=["spell_checked_at"], name="finding_spell_due", condition=Q(spell_status="pending")
            ),
            # The desk's inbox order (desk.inbox: most readers, then most recently reported), and
            # the same order under its language and "has suggestion" filters (migration 0012).
            models.Index(
                fields=["site", "status", "-reader_count", "-last_reported", "-id"], name="finding_desk_order"
            ),
            models.Index(
                fields=["site", "lang", "status", "-reader_count", "-last_reported", "-id"],
                name="finding_desk_lang",
            ),
            models.Index(
                fields=["site", "status", "-reader_count", "-last_reported", "-id"],
                name="finding_desk_suggested",
                condition=Q(has_suggestion=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exact[:40]!r} on {self.page}"

    @staticmethod
    def make_span_key(exact: str, start: int, end: int) -> str:
        return hashlib.sha256(f"{start}:{end}:{exact}".encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_regressed(self) -> bool:
        """Reopened by the page reader: someone marked it fixed, and the mistake is still on the
        page. The state lasts until an editor decides again (set_status clears the verification)."""
        return self.status == self.Status.NEW and self.verification == self.Verification.STILL_ON_PAGE


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
    # Why admission judged this report spam (typodesk.abuse.spam.verdict), "" when it looked clean.
    # Kept per report: a finding is spam only while its reports are (findings.services).
    spam = models.CharField(max_length=500, blank=True)
    # Only where the site lets readers leave one (Site.allow_reader_email), only while the finding
    # is open: findings.services.set_status erases it when the finding is closed.
    email = models.EmailField(blank=True, help_text="The reader's address, to tell them of the fix.")

    class Meta:
        indexes = [
            models.Index(fields=["finding", "created"]),
            # "Has this reader reported this finding before?" (the reader count), per group of
            # reports in one look-up (findings.services).
            models.Index(fields=["finding", "client_hash"], name="report_finding_reader"),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on finding {self.finding_id}"


class StatusChange(models.Model):
    """Who changed a finding's status and when: the desk shows this history."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    old_status = models.CharField(max_length=10)
    new_status = models.CharField(max_length=10)
    created = models.DateTimeField(auto_now_add=True)
    # Why, when the page reader made the change (user None): "Fixed on the page: …".
    note = models.TextField(blank=True)
    # Changes an editor made besides the status (findings.services.set_status): the finding's
    # note as this change set it (NULL: the note was not changed), and the finding it was
    # marked a duplicate of.
    new_note = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: unchanged, "": removed)
    duplicate_of = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What an automatic change says, as a code and its values (findings.history.describe makes the
    # sentence in the desk's language); "" for editors' changes and rows from before codes.
    code = models.CharField(max_length=30, blank=True, default="", db_default="")
    params = models.JSONField(
        default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.old_status} → {self.new_status}"
