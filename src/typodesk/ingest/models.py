from django.db import models


class RateBucket(models.Model):
    """A token bucket kept in the database, so the limit holds across server processes."""

    key = models.CharField(max_length=100, primary_key=True)
    tokens = models.FloatField()
    updated = models.FloatField(help_text="Unix time of the last refill.")

    def __str__(self) -> str:
        return self.key
