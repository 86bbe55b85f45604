"""The site overview's corrections card: corrections published per month, and how long it takes
from a mistake's first report to its published correction.

Read straight from the corrections (a newsroom publishes tens a month, not the millions of
reports the overview's rollup is for): two small queries per page view.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from typodesk.corrections.models import Correction, CorrectionChange

MONTHS = 12


@dataclass
class CorrectionStats:
    months: list[tuple[date, int]]  # oldest first, the current month last
    total: int
    median_seconds: float | None  # first report → first publication, corrections of the period
    live: int  # published now (not withdrawn), all time


def month_starts(today: date, n: int = MONTHS) -> list[date]:
    """The first days of the last ``n`` months, oldest first, this month last."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def gather(site, today: date | None = None) -> CorrectionStats:
    today = today or timezone.localdate()
    starts = month_starts(today)
    tz = timezone.get_current_timezone()
    first = timezone.make_aware(timezone.datetime(starts[0].year, starts[0].month, 1), tz)
    live = Correction.objects.filter(site=site, withdrawn_at=None)
    per_month = dict(
        live.filter(published_at__gte=first)
        .annotate(month=TruncMonth("published_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    counts = {m.date() if hasattr(m, "date") else m: n for m, n in per_month.items()}
    months = [(start, counts.get(start, 0)) for start in starts]
    # The first publication of each correction published in the period (an edit or a withdrawal
    # and publication again does not make the mistake any younger).
    published = Q(changes__action=CorrectionChange.Action.PUBLISHED)
    rows = (
        live.filter(published_at__gte=first)
        .annotate(first_published=Min("changes__created", filter=published))
        .values_list("first_published", "finding__created")
    )
    waits = [(p - c).total_seconds() for p, c in rows if p and c]
    return CorrectionStats(
        months=months,
        total=sum(n for _, n in months),
        median_seconds=statistics.median(waits) if waits else None,
        live=live.count(),
    )
