"""The worker forgets what the defences no longer need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from typodesk.abuse.jobs import Purger
from typodesk.abuse.models import BlockedClient, TextSighting, UsedSolution
from typodesk.worker import default_jobs

pytestmark = pytest.mark.django_db


def test_the_worker_runs_the_purge(site):
    assert "abuse" in [j.name for j in default_jobs("t", lambda: False)]
    now = timezone.now()
    UsedSolution.objects.create(challenge="old", expires=now - timedelta(seconds=1))
    UsedSolution.objects.create(challenge="new", expires=now + timedelta(minutes=5))
    TextSighting.objects.create(site=site, digest="d", page="old", created=now - timedelta(hours=2))
    TextSighting.objects.create(site=site, digest="d", page="new", created=now)
    old = BlockedClient.objects.create(site=site, client_hash="a" * 32)
    BlockedClient.objects.filter(pk=old.pk).update(created=now - timedelta(days=8))
    BlockedClient.objects.create(site=site, client_hash="b" * 32)
    purger = Purger(every=3600)
    assert purger.tick() == 3
    assert purger.tick() == 0  # not due again for an hour
    assert list(UsedSolution.objects.values_list("challenge", flat=True)) == ["new"]
    assert list(TextSighting.objects.values_list("page", flat=True)) == ["new"]
    assert list(BlockedClient.objects.values_list("client_hash", flat=True)) == ["b" * 32]
