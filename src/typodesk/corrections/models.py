"""Public corrections: what a newsroom tells its readers about a fix, and the log of its changes.

A correction belongs to one finding (at most one each). Everything shown in public comes from
the fields an editor wrote or confirmed here (kind, article title, text) and from the page's
address: never from what a reader sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from typodesk.findings.models import Finding, Page
from typodesk.sites.models import Site

TEXT_MAX = 1000
TITLE_MAX = 300


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")  # a fact was wrong
        CLARIFICATION = "clarification", _("Clarification")  # the text was unclear or incomplete

    # NULL once the finding is gone (a site's retention purge deletes closed findings): the public
    # log keeps what was published.
    finding = models.OneToOneField(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="correction"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="corrections")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.CORRECTION)
    title = models.CharField(max_length=TITLE_MAX, blank=True, help_text="The article's title, as published.")
    text = models.TextField(help_text="The public text of the correction.")
    # When it was (last) published: the date readers see. Withdrawn: hidden everywhere.
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["site", "withdrawn_at", "-published_at"], name="correction_public"),
            models.Index(fields=["page", "withdrawn_at"], name="correction_page"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.page}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class CorrectionChange(models.Model):
    """Who published, edited or withdrew a correction, and what it said then: the desk shows
    this under the finding's history."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("published")
        EDITED = "edited", _("edited")
        WITHDRAWN = "withdrawn", _("withdrawn")

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    kind = models.CharField(max_length=15, choices=Correction.Kind.choices)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    text = models.TextField()
    created = models.DateTimeField()

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.correction_id}"
