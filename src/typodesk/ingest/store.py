"""Admitting and recording reports: the one path every report takes into the database.

:func:`store` runs admission (:func:`typodesk.ingest.admission.admit`) and records what it admits
(:func:`typodesk.findings.services.record_reports`) for a group of reports in ONE transaction.
The report endpoint's writer thread calls it with whatever reports arrived together (group
commit, :mod:`typodesk.ingest.writer`); the Orphus form calls it with one. A report counts as
stored only once :func:`store` has returned: its transaction has committed.

When a group fails (a constraint race with another process, a bug in one report), it is rolled
back and its reports are stored again one per transaction, so one bad report never costs the
others theirs; admission is not run twice. When the database itself fails (locked past its
timeout, connection lost), every report of the group gets a 503 and nothing is half-stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction

from typodesk.findings.services import Quote, record_reports
from typodesk.ingest import admission, ratelimit, refusals
from typodesk.ingest.sitecache import SiteSnapshot

log = logging.getLogger("typodesk.ingest")

FAILED_MESSAGE = "The report could not be stored just now. Please try again in a few seconds."


@dataclass(frozen=True, slots=True)
class Stored:
    report: int
    finding: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Failed:
    """Not stored (the database failed, or storing this report did): the reader may try again,
    and the widget does so by itself. Never a 500: nothing the reader sent is at fault."""

    status: int = 503
    message: str = FAILED_MESSAGE


@dataclass(eq=False)
class Incoming:
    """A validated report on its way in, and (once :func:`store` is done) what became of it."""

    site: SiteSnapshot
    report: Mapping[str, Any]  # ReportIn.model_dump()
    origin: str | None
    client: str  # the reader's salted hash (typodesk.ingest.client.client_hash)
    admitted: admission.Admitted | None = None
    outcome: Stored | admission.Refused | Failed | None = field(default=None)


def store(batch: list[Incoming]) -> None:
    """Admit and record ``batch`` in one transaction; each report's ``outcome`` is set.

    Admission's rate-limit buckets share the group's transaction (:class:`ratelimit.grouped`:
    each bucket read and locked once, in the order of the keys, and written once)."""
    try:
        with _one_group_at_a_time(), transaction.atomic():
            with ratelimit.grouped() as group:
                group.prefetch(k for i in batch for k in admission.bucket_keys(i.site.site, i.client))
                for item in batch:
                    _admit(item)
            outcomes = _record([i for i in batch if i.outcome is None])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001"):
            # A deadlock or serialization failure with another server's group: PostgreSQL rolled
            # ours back. One report per transaction cannot deadlock on findings.
            log.info("ingestion: a group met another server's; storing it one by one")
            return _one_by_one(batch)
        return _database_failed(batch, exc)
    except InterfaceError as exc:
        return _database_failed(batch, exc)
    except Exception:
        log.warning("ingestion: a group failed; storing its reports one by one", exc_info=True)
        return _one_by_one(batch)
    for item, outcome in outcomes:
        item.outcome = outcome
    if _failures["last"]:
        _log_recovery()
    _count_refusals(batch)


def _admit(item: Incoming) -> None:
    if item.admitted is not None or item.outcome is not None:
        return
    r = item.report
    try:
        item.admitted = admission.admit(
            item.site.site,
            page_url=r["url"],
            origin=item.origin,
            client=item.client,
            hosts=item.site.hosts,
            report={
                "quote": r["quote"]["exact"],
                "suggestion": r["suggestion"],
                "comment": r["comment"],
                "title": r["title"],
                "honeypot": r.get("website", ""),
                "elapsed": r.get("elapsed"),
                "pow": r.get("pow", ""),
            },
        )
    except admission.Refused as exc:
        item.outcome = exc


def _arguments(item: Incoming) -> dict:
    """:func:`record_report`'s keywords for an admitted report."""
    r, q = item.report, item.report["quote"]
    return dict(
        url=r["url"],
        quote=Quote(q["exact"], q["prefix"], q["suffix"], q["start"], q["end"]),
        title=r["title"],
        lang=r["lang"],
        # A "suggestion" that repeats the quote suggests nothing.
        suggestion=r["suggestion"] if r["suggestion"] != q["exact"] else "",
        comment=r["comment"],
        client_hash=item.client,
        email=r["email"],
        root=r.get("root", ""),
        spam=item.admitted.spam if item.admitted else "",
    )


def _record(items: list[Incoming]) -> list[tuple[Incoming, Stored]]:
    by_site: dict[int, list[Incoming]] = {}
    for item in items:
        by_site.setdefault(item.site.site.pk, []).append(item)
    out = []
    for site_items in by_site.values():
        ids = record_reports(site_items[0].site.site, [_arguments(i) for i in site_items])
        out += [(i, Stored(*found)) for i, found in zip(site_items, ids, strict=True)]
    return out


def _one_by_one(batch: list[Incoming]) -> None:
    for item in batch:
        if item.outcome is not None:
            continue
        try:
            with transaction.atomic():
                _admit(item)
                if item.outcome is None:
                    (found,) = record_reports(item.site.site, [_arguments(item)])
                    item.outcome = Stored(*found)
        except (OperationalError, InterfaceError):
            _close_if_broken()
            item.outcome = Failed()
        except Exception:
            log.exception("ingestion: a report could not be stored")
            _close_if_broken()
            item.outcome = Failed()
    _count_refusals(batch)


def _database_failed(batch: list[Incoming], exc: Exception) -> None:
    log_failure(exc, len(batch))
    _close_if_broken()
    for item in batch:
        if item.outcome is None or isinstance(item.outcome, Stored):  # rolled back
            item.outcome = Failed()
    _count_refusals(batch)


def _count_refusals(batch: list[Incoming]) -> None:
    for item in batch:
        if isinstance(item.outcome, admission.Refused):
            refusals.record(item.site.site.pk, item.outcome.reason)


def _close_if_broken() -> None:
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except Exception:
        connection.close()


LOG_EVERY = 10.0  # seconds between two log lines about the same failing database
_failures = {"last": 0.0, "unlogged": 0}


def log_failure(exc: Exception, reports: int) -> None:
    """Log that ``reports`` were answered 503 because the database failed with ``exc``: one line
    about the failing database every LOG_EVERY seconds, with the count of reports
    answered 503 since the last line: a flood against a full disk is not a line per group."""
    now = time.monotonic()
    _failures["unlogged"] += reports
    if now - _failures["last"] < LOG_EVERY:
        return
    n, _failures["unlogged"], _failures["last"] = _failures["unlogged"], 0, now
    if "disk is full" in str(exc) or "No space left" in str(exc):
        # SQLite's SQLITE_FULL, PostgreSQL's ENOSPC: nothing is wrong with the reports.
        log.error(
            "ingestion: the database's disk is full (%s); %d reports answered 503 until space is freed",
            exc,
            n,
        )
    else:
        log.warning("ingestion: the database failed (%s); %d reports answered 503", exc, n)


def _log_recovery() -> None:
    n, _failures["unlogged"], _failures["last"] = _failures["unlogged"], 0, 0.0
    log.warning("ingestion: the database stores reports again (%d more were answered 503 before)", n)


_lock_files: dict[str, int] = {}


@contextlib.contextmanager
def _one_group_at_a_time():
    """On SQLite, one group at a time across every server process on the database (``flock``).

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
    steps of up to 100 ms without being told when the lock is free. Several server processes
    each with a writer then take turns in those sleeps. A blocking ``flock`` on a file beside the
    database wakes the next writer as soon as the lock is released, so the processes' groups
    follow each other without a gap. Other writers (the worker, the desk) still queue in
    SQLite's own busy handler.
    """
    name = connection.settings_dict["NAME"] if connection.vendor == "sqlite" else ""
    if not name or connection.is_in_memory_db():
        yield
        return
    fd = _lock_files.get(str(name))
    if fd is None:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        fd = _lock_files[str(name)] = os.open(f"{name}-ingest.lock", flags, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
