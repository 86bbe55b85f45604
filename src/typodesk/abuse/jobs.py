"""The worker's abuse job: forget what the defences no longer need (docs/privacy.md)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from typodesk.abuse import pow as proof
from typodesk.abuse import spam
from typodesk.abuse.models import BlockedClient

EVERY = 600.0  # seconds between purges
#: Blocked client hashes stop matching when the daily salt changes; the list shows them a
#: week longer (an owner sees what was blocked lately), then they go.
BLOCKED_KEPT = timedelta(days=7)


class Purger:
    """Deletes used proof-of-work solutions once expired, text sightings once past the spam
    window, and blocked client hashes a week after their day."""

    def __init__(self, every: float = EVERY):
        self.every = every
        self._next = 0.0

    def tick(self) -> int:
        now = time.monotonic()
        if now < self._next:
            return 0
        self._next = now + self.every
        return purge()


def purge(now=None) -> int:
    now = now or timezone.now()
    done = proof.purge(now) + spam.purge(now)
    deleted, _ = BlockedClient.objects.filter(created__lt=now - BLOCKED_KEPT).delete()
    return done + deleted
