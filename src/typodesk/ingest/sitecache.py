"""Sites and "is this host any site's?" answers kept in memory for the lean ingestion path.

Every report names its site by public key, and every cross-origin answer asks whether the
Origin is a domain of some site: both are read from the database at most once every
``TTL`` seconds per key or host. A change made in this process (the desk, the API, the CLI
inside ``serve``) clears the cache at once through Django's model signals; a change made in
another process (another server, ``typodesk site add``) is seen within ``TTL`` seconds.
Unknown keys are remembered too, so a flood of reports for a made-up key costs no query.
"""

from __future__ import annotations

import threading
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from typodesk.sites.models import Domain, Site

TTL = 5.0  # seconds
MAX_ENTRIES = 10_000  # per map; past that the map starts again (a flood of random keys or hosts)

_lock = threading.Lock()
_sites: dict[str, tuple[float, Site | None]] = {}
_any_host: dict[str, tuple[float, bool]] = {}
_generation = 0
MISSING = object()


def cached_site(key: str):
    """The cached site for ``key`` (None: known not to exist), or :data:`MISSING`."""
    hit = _sites.get(key)
    if hit is None or hit[0] < time.monotonic():
        return MISSING
    return hit[1]


def load_site(key: str) -> Site | None:
    """Read the site from the database (blocking: call from a thread) and cache it."""
    generation = _generation
    site = Site.objects.filter(public_key=key).prefetch_related("domains").first()
    if site is not None:
        # Site.allows_host reads site.hosts() for every report: answer it from this snapshot
        # (as fresh as the cached site itself) instead of building a related manager each time.
        hosts = [d.host for d in site.domains.all()]
        site.hosts = lambda: hosts
    _store(_sites, key, site, generation)
    return site


def cached_any_host(host: str):
    """Cached answer to "is ``host`` a domain of any site?", or :data:`MISSING`."""
    hit = _any_host.get(host)
    if hit is None or hit[0] < time.monotonic():
        return MISSING
    return hit[1]


def load_any_host(host: str) -> bool:
    """Ask the database (blocking) whether ``host`` is a domain of any site, and cache it."""
    from typodesk.ingest.middleware import _host_is_any_site

    generation = _generation
    answer = _host_is_any_site(host)
    _store(_any_host, host, answer, generation)
    return answer


def _store(cache: dict, key, value, generation: int) -> None:
    with _lock:
        if generation != _generation:
            return  # invalidated while we read: the value may be stale
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = (time.monotonic() + TTL, value)


def generation() -> int:
    """Bumped whenever this process forgets the cache (a site or a domain changed)."""
    return _generation


def invalidate(*args, **kwargs) -> None:
    """Forget everything (a site or a domain changed in this process): now, and again when the
    change commits (a read in between may have cached what the database had before it)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    global _generation
    with _lock:
        _generation += 1
        _sites.clear()
        _any_host.clear()


for _model in (Site, Domain):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"typodesk.sitecache.save.{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"typodesk.sitecache.del.{_model.__name__}")
