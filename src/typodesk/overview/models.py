"""The overview's rollup: small tables of counts, kept up to date by the worker (overview.rollup).

The overview page reads only these, never the millions of findings and reports, so it costs a
few small queries whatever the size of the site. Counts are a ledger of what happened: a report
counted on the day it arrived stays counted when the retention purge later deletes it.
"""

from __future__ import annotations

from django.db import models

from typodesk.findings.models import Page
from typodesk.sites.models import Site


class Feed(models.Model):
    """How far the rollup has read one table (by id), and the ids it is still waiting for.

    ``gaps``: ids below the high-water mark not seen yet, as ``[id, first seen (Unix time)]``;
    on PostgreSQL a transaction may commit a row after a later one, and such a row is counted
    when it appears (ids given up after ``rollup.GAP_PATIENCE``: rolled back for good).
    """

    name = models.CharField(max_length=20, unique=True)
    high_water = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    # Moves with every batch counted: a worker writes its batch only if no other did meanwhile.
    version = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True, help_text="Last rebuild from scratch.")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} up to {self.high_water}"


class ReportDay(models.Model):
    """Reports a site received on one day (in TYPODESK_TIME_ZONE), per reader's page language."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    lang = models.CharField(max_length=12, blank=True, help_text="Primary language subtag; empty: unknown.")
    reports = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "day", "lang"], name="overview_report_day")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.lang}: {self.reports}"


class StatusCount(models.Model):
    """Findings of a site per status."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)
    findings = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "status"], name="overview_status_count")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.status}: {self.findings}"


class PageCount(models.Model):
    """Mistakes (findings new or fixed: not spam, not "not a mistake", not duplicates) per page."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, primary_key=True, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    mistakes = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["site", "-mistakes"], name="overview_page_top")]

    def __str__(self) -> str:
        return f"page {self.page_id}: {self.mistakes}"


class SectionCount(models.Model):
    """Mistakes per section: the first segment of the page's URL path ("" for the home page)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=200, blank=True)
    mistakes = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "section"], name="overview_section")]
        indexes = [models.Index(fields=["site", "-mistakes"], name="overview_section_top")]

    def __str__(self) -> str:
        return f"{self.site_id} /{self.section}: {self.mistakes}"


class FixTime(models.Model):
    """Fixes of a site in one week (starting Monday), per bucket of time from first report to fix.

    Bucket ``b`` holds durations of about 1.02**b seconds (±1 %), so a median read from the
    buckets is within 1 % of the exact one, from a table that never grows beyond weeks × ~900.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    bucket = models.SmallIntegerField()
    fixes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "week", "bucket"], name="overview_fix_time")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.week} ~{self.bucket}: {self.fixes}"
