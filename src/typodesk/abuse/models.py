"""What the abuse defences keep: per-site settings and blocklists, used proof-of-work solutions,
and short-lived sightings of reader texts (for the "same text on many pages" heuristic).

None of it holds a client address: blocked readers are salted daily hashes (ingest.client), and a
sighting is a hash of the text and of the page, kept for the heuristic's window only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from typodesk.sites.models import Site


class Protection(models.Model):
    """A site's own limits and defences; created on first save, NULL fields take the instance default.

    The defaults come from the TYPODESK_* settings (docs/abuse.md), so that an admin who changes
    one changes it for every site that kept it.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="protection")
    client_per_minute = models.PositiveIntegerField(
        _("reports per minute from one reader"), null=True, blank=True
    )
    client_burst = models.PositiveIntegerField(_("reports at once from one reader"), null=True, blank=True)
    site_per_minute = models.PositiveIntegerField(_("reports per minute to the site"), null=True, blank=True)
    site_burst = models.PositiveIntegerField(_("reports at once to the site"), null=True, blank=True)
    min_seconds = models.FloatField(
        _("minimum seconds between opening the dialog and sending"), null=True, blank=True
    )
    max_links = models.PositiveIntegerField(
        _("links allowed in a comment or suggestion before it counts as spam"), null=True, blank=True
    )
    pow_required = models.BooleanField(
        _("require proof-of-work"),
        default=False,
        help_text=_("Readers' browsers solve a small puzzle before sending. Switch it on when attacked."),
    )
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"protection of {self.site}"


class BlockedClient(models.Model):
    """A reader's client hash whose reports the site refuses (403). Hashes rotate daily, so an
    entry stops matching at the end of the day it was taken from (docs/abuse.md)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    client_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "client_hash"], name="unique_blocked_client")]

    def __str__(self) -> str:
        return self.client_hash


class BlockedWord(models.Model):
    """A word or phrase that sends a report whose comment or suggestion contains it to spam."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "word"], name="unique_blocked_word")]

    def __str__(self) -> str:
        return self.word


class UsedSolution(models.Model):
    """A proof-of-work challenge already solved once; kept until it expires (then it is refused
    as expired anyway) and purged by the worker."""

    challenge = models.CharField(max_length=128, primary_key=True)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.challenge


class TextSighting(models.Model):
    """A reader's comment or suggestion seen on a page: hashes only, kept for the repetition
    window (abuse.spam) and purged by the worker."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)
    page = models.CharField(max_length=32)
    created = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["site", "digest", "created"], name="sighting_lookup")]
        constraints = [models.UniqueConstraint(fields=["site", "digest", "page"], name="unique_sighting")]

    def __str__(self) -> str:
        return f"{self.digest} on {self.page}"
