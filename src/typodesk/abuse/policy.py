"""A site's protection as admission reads it: settings, blocklists and defaults in one snapshot.

Admission runs for every report, so the snapshot is kept in the process for
``TYPODESK_PROTECTION_TTL`` seconds (a change in the desk is seen by every server process within
that time; at once by the process that saved it). The cache is keyed by the site's id *and* public
key, so a recycled id never finds another site's settings.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from typodesk.abuse.models import BlockedClient, BlockedWord, Protection


@dataclass(frozen=True)
class Policy:
    client_per_minute: int
    client_burst: int
    site_per_minute: int
    site_burst: int
    min_seconds: float
    max_links: int
    pow_required: bool
    blocked_clients: frozenset[str]
    words: tuple[str, ...]


@lru_cache(maxsize=256)
def word_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for every blocked word or phrase: whole words only, ignoring case."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def defaults() -> dict:
    """The instance-wide defaults (TYPODESK_* settings) for every field a site may leave empty."""
    return {
        "client_per_minute": settings.TYPODESK_RATE_PER_MINUTE,
        "client_burst": settings.TYPODESK_RATE_BURST,
        "site_per_minute": settings.TYPODESK_SITE_RATE_PER_MINUTE,
        "site_burst": settings.TYPODESK_SITE_RATE_BURST,
        "min_seconds": settings.TYPODESK_MIN_SECONDS,
        "max_links": settings.TYPODESK_SPAM_MAX_LINKS,
    }


_lock = threading.Lock()
_cache: dict[tuple[int, str], tuple[float, Policy]] = {}


def policy_for(site) -> Policy:
    """The site's protection now (cached for a few seconds, see the module docstring)."""
    key = (site.pk, site.public_key)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    policy = _load(site)
    with _lock:
        if len(_cache) > 10_000:  # sites come and go; never grow without bound
            _cache.clear()
        _cache[key] = (now + settings.TYPODESK_PROTECTION_TTL, policy)
    return policy


def _load(site) -> Policy:
    values = defaults()
    row = Protection.objects.filter(site_id=site.pk).first()
    pow_required = False
    if row is not None:
        for name in values:
            if getattr(row, name) is not None:
                values[name] = getattr(row, name)
        pow_required = row.pow_required
    return Policy(
        **values,
        pow_required=pow_required,
        blocked_clients=frozenset(
            BlockedClient.objects.filter(site_id=site.pk).values_list("client_hash", flat=True)
        ),
        words=tuple(BlockedWord.objects.filter(site_id=site.pk).values_list("word", flat=True)),
    )


def forget(site_id: int | None = None) -> None:
    """Drop the cached snapshot of one site (or of all): the next report reads it again."""
    with _lock:
        if site_id is None:
            _cache.clear()
        else:
            for key in [k for k in _cache if k[0] == site_id]:
                del _cache[key]


@receiver([post_save, post_delete], sender=Protection)
@receiver([post_save, post_delete], sender=BlockedClient)
@receiver([post_save, post_delete], sender=BlockedWord)
def _changed(sender, instance, **kwargs) -> None:
    forget(instance.site_id)
