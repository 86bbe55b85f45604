"""Sites as the report endpoint sees them: immutable snapshots kept for a few seconds.

Every report names its site by public key, and every cross-origin answer asks whether the Origin
is a domain of some site. Both are read from the database at most once every ``TTL`` seconds per
key or host. A snapshot is built once (the site and its :class:`~typodesk.sites.hosts.HostPatterns`)
and never changed afterwards, so any number of requests may share it. A change made in this
process (the desk, the API) forgets the snapshots at once through Django's model signals; a change
made in another process (another server, ``typodesk site add``) is seen within ``TTL`` seconds.
Unknown keys are remembered too, so a flood of reports for a made-up key costs no query.

The look-ups read the database: call them from a thread, never from the event loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from typodesk.sites.hosts import HostPatterns, clean_host
from typodesk.sites.models import Domain, Site, sites_covering

TTL = 5.0  # seconds
MAX_ENTRIES = 10_000  # per map; past that the map starts again (a flood of random keys or hosts)


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    """A site read at one moment: the model (never saved or changed through here) and its hosts."""

    site: Site
    hosts: HostPatterns


_lock = threading.Lock()
_sites: dict[str, tuple[float, SiteSnapshot | None]] = {}
_any_host: dict[str, tuple[float, bool]] = {}
_generation = 0
MISS = object()  # not cached (or expired): ask the function that reads the database


def cached(kind: str, key: str):
    """What :func:`site` (``kind`` "site") or :func:`any_site_has` ("host") would answer, if it is
    cached; else :data:`MISS`. Reads no database: for the event loop."""
    cache = _sites if kind == "site" else _any_host
    hit = cache.get(key if kind == "site" else clean_host(key))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else MISS


def site(key: str) -> SiteSnapshot | None:
    """The site whose public key is ``key`` (None: there is none)."""
    hit = cached("site", key)
    if hit is not MISS:
        return hit
    generation = _generation
    found = Site.objects.filter(public_key=key).prefetch_related("domains").first()
    snapshot = SiteSnapshot(found, found.host_patterns()) if found is not None else None
    _store(_sites, key, snapshot, generation)
    return snapshot


def any_site_has(host: str | None) -> bool:
    """Whether ``host`` is covered by the domains of any site (CORS before a site is known)."""
    host = clean_host(host)
    if not host:
        return False
    hit = cached("host", host)
    if hit is not MISS:
        return hit
    generation = _generation
    answer = bool(sites_covering(host))
    _store(_any_host, host, answer, generation)
    return answer


def _store(cache: dict, key, value, generation: int) -> None:
    with _lock:
        if generation != _generation:
            return  # forgotten while we read: the value may be stale
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = (time.monotonic() + TTL, value)


def invalidate(*args, **kwargs) -> None:
    """Forget everything (a site or a domain changed in this process): now, and again when the
    change commits (a read in between may have cached what the database had before it)."""
    forget()
    transaction.on_commit(forget)


def forget() -> None:
    """Forget every site and host now (tests; :func:`invalidate` for changes)."""
    global _generation
    with _lock:
        _generation += 1
        _sites.clear()
        _any_host.clear()


for _model in (Site, Domain):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"typodesk.sitecache.save.{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"typodesk.sitecache.del.{_model.__name__}")
