from django.db import models


class RateBucket(models.Model):
    """A token bucket kept in the database, so the limit holds across server processes."""

    key = models.CharField(max_length=100, primary_key=True)
    tokens = models.FloatField()
    updated = models.FloatField(help_text="Unix time of the last refill.")

    def __str__(self) -> str:
        return self.key


class Refusal(models.Model):
    """How many reports were refused, per site, day and reason (typodesk.ingest.refusals).

    Counts, not rows per refusal: a flood must cost the database almost nothing. ``site`` is
    NULL when the report named no known site.
    """

    site = models.ForeignKey(
        "typodesk_sites.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    reason = models.CharField(max_length=20)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "reason"], name="unique_refusal_count"),
            models.UniqueConstraint(
                fields=["day", "reason"], condition=models.Q(site=None), name="unique_refusal_count_nosite"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.reason} on {self.day}"
