"""Refused reports are counted per site, day and reason (what the desk and /metrics show)."""

import pytest

from typodesk.ingest import refusals

pytestmark = pytest.mark.django_db(transaction=True)


def test_counts_add_up_per_site_and_reason(make_site):
    site = make_site()
    for _ in range(5):
        refusals.record(site.pk, "rate_client")
    refusals.record(None, "unknown_site", 3)
    refusals.flush()
    refusals.record(site.pk, "rate_client", 2)
    refusals.flush()
    assert refusals.totals(site) == {"rate_client": 7}
    assert refusals.totals() == {"rate_client": 7, "unknown_site": 3}
