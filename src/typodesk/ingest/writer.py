"""Group commit: one writer thread stores the reports of a server process, many per transaction.

The lean ingestion path (:mod:`typodesk.ingest.fast`) parses and validates a report in the event
loop, then hands it to :func:`submit` and waits. The writer thread takes whatever reports arrived
while it was busy with the previous group (up to ``TYPODESK_INGEST_BATCH_MAX``), and in ONE
transaction runs admission (:func:`typodesk.ingest.admission.admit`, whose rate-limit buckets
are then written in that transaction too on SQLite; on PostgreSQL just before it, each on its
own, see ``_process``) and records each admitted report
(:func:`~typodesk.findings.services.record_report_fast`, else
:func:`~typodesk.findings.services.record_report`). Only after the COMMIT has returned are the
waiting requests answered: a 201 always means the report is stored. Under light load a group
is one report and nothing waits; under heavy load the cost of a commit is shared.

When a group fails (a constraint race with another process, a bug in one report), it is rolled
back and its reports are recorded again one per transaction, so one bad report never costs the
others theirs; admission is not run twice. When the database itself fails (locked past its
timeout, connection lost), the group's reports are answered 503 and nothing is half-stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger("typodesk.ingest")

BUSY_MESSAGE = "The server is busy. Please try again in a few seconds."
FAILED_MESSAGE = "The report could not be stored just now. Please try again in a few seconds."


@dataclass(eq=False)
class Job:
    """One report waiting for the writer, and what became of it."""

    site: object  # typodesk.sites.models.Site
    report: Mapping  # the validated report's fields (ReportIn.model_dump())
    origin: str | None
    client: str
    loop: asyncio.AbstractEventLoop
    # Told the result in the loop's thread: the future is set, or the callback called.
    future: asyncio.Future | None = None
    admitted: object = None  # admission.Admitted once admitted
    # ("ok", report_id, finding_id, duplicate) | ("refused", Refused) | ("error", status, message)
    result: tuple | None = None
    extra: dict = field(default_factory=dict)  # more keywords for admit (report=…)
    callback: object = None  # instead of a future: called with the result (the server's protocol)


_lock_files: dict[str, int] = {}


@contextlib.contextmanager
def _group_lock(connection):
    """On SQLite, one group at a time across every server process on the database (``flock``).

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
    steps of up to 100 ms without being told when the lock is free. Two server processes
    (``serve --workers 2``) each with a writer then took turns in those sleeps: fewer reports
    stored than one process, p99 over a second. A blocking ``flock`` on a file beside the
    database wakes the next writer as soon as the lock is released (the GIL is released while
    it waits), so the processes' groups follow each other without a gap. Other writers (the
    worker, the desk) still queue in SQLite's own busy handler, as before.
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


class Writer:
    def __init__(self, batch_max: int, queue_max: int):
        self.batch_max = max(1, batch_max)
        self.queue_max = max(1, queue_max)
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._refusals: list[tuple[int | None, str]] = []
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._last_db_use = time.monotonic()
        self.batches = 0
        self.stored = 0

    # Event loop side --------------------------------------------------------------------

    def depth(self) -> int:
        """Reports waiting for the writer (for /metrics and the busy answer)."""
        return self._queue.qsize()

    def submit(self, job: Job) -> bool:
        """Queue a report; False when the queue is full (answer 503)."""
        if self._queue.qsize() >= self.queue_max:
            return False
        self._ensure_started()
        self._queue.put(job)
        return True

    def count_refusal(self, site_id: int | None, reason: str) -> None:
        """Count a refusal decided outside the writer (bad body, unknown site): no DB work here."""
        self._refusals.append((site_id, reason))
        self._ensure_started()

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="typodesk-ingest-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, close the thread's database connection and end the thread."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP)
        thread.join(timeout)

    # Writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=1.0)
            except queue.Empty:
                first = None
            batch: list[Job] = []
            if first is _STOP:
                self._flush_refusals()
                from django.db import connection

                connection.close()
                return
            try:
                self._flush_refusals()
                if first is None:
                    continue
                batch = [first]
                while len(batch) < self.batch_max:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is _STOP:
                        self._queue.put(job)  # after this group
                        break
                    batch.append(job)
                self._process(batch)
            except Exception:  # never let the thread die: requests would wait forever
                log.exception("ingestion writer: unexpected failure")
                self._answer([j for j in batch if j.result is None], ("error", 500, FAILED_MESSAGE))

    def _flush_refusals(self) -> None:
        if not self._refusals:
            return
        taken, self._refusals = self._refusals, []
        from typodesk.ingest import refusals

        for (site_id, reason), n in Counter(taken).items():
            refusals.record(site_id, reason, n)

    def _process(self, batch: list[Job]) -> None:
        from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction

        from typodesk.ingest import admission, ratelimit

        if time.monotonic() - self._last_db_use > 30:
            close_old_connections()  # an idle connection may have been closed by the server
        self._last_db_use = time.monotonic()
        recorded: list[tuple[Job, tuple]] = []
        # SQLite has one writer at a time, so admission's bucket updates share the group's commit.
        # PostgreSQL locks rows: buckets taken inside the group's transaction would stay locked
        # until its commit, and two servers' groups taking a reader's, a site's and the global
        # bucket in different orders deadlock. There each bucket update commits on its own.
        admit_inside = connection.vendor == "sqlite"
        try:
            if not admit_inside:
                for job in batch:
                    self._admit(job)
            with _group_lock(connection), transaction.atomic():
                if admit_inside:
                    # The group holds the write lock: each bucket is read once and written
                    # once for all its reports (ratelimit.grouped), with the same answers.
                    with ratelimit.grouped() as group:
                        # Every bucket the group takes from, read in one statement.
                        group.prefetch(k for j in batch for k in admission.bucket_keys(j.site, j.client))
                        for job in batch:
                            self._admit(job)
                recorded = self._record_all([j for j in batch if j.admitted is not None and j.result is None])
        except OperationalError as exc:
            if _is_conflict(exc):
                # A deadlock or serialization failure with another server's group: PostgreSQL
                # rolled ours back. One report per transaction cannot deadlock on findings.
                log.info("ingestion writer: a group met another server's; storing it one by one")
                self._one_by_one(batch)
                self._finish(batch, default=("error", 500, FAILED_MESSAGE))
                return
            log.warning(
                "ingestion writer: the database failed; %d reports answered 503", len(batch), exc_info=1
            )
            _close_if_broken()
            self._finish(batch, default=("error", 503, FAILED_MESSAGE))
            return
        except InterfaceError:
            log.warning(
                "ingestion writer: the database failed; %d reports answered 503", len(batch), exc_info=1
            )
            _close_if_broken()
            self._finish(batch, default=("error", 503, FAILED_MESSAGE))
            return
        except Exception:
            log.warning("ingestion writer: a group failed; storing its reports one by one", exc_info=True)
            self._one_by_one(batch)
            self._finish(batch, default=("error", 500, FAILED_MESSAGE))
            return
        for job, result in recorded:
            job.result = result
        self.batches += 1
        self.stored += len(recorded)
        self._finish(batch, default=("error", 500, FAILED_MESSAGE))

    def _admit(self, job: Job) -> None:
        from typodesk.ingest import admission

        if job.admitted is not None or job.result is not None:
            return
        try:
            job.admitted = admission.admit(
                job.site,
                page_url=job.report["url"],
                origin=job.origin,
                client=job.client,
                **job.extra,
            )
        except admission.Refused as exc:
            job.result = ("refused", exc)

    def _record_all(self, jobs: list[Job]) -> list[tuple[Job, tuple]]:
        """Record the admitted reports of a group: the common case for several at once
        (:func:`record_reports_fast`, per site), the rest one by one in arrival order."""
        from typodesk.findings.services import record_reports_fast

        out: list[tuple[Job, tuple]] = []
        channels: dict = {}
        by_site: dict[int, list[Job]] = {}
        for job in jobs:
            if not getattr(job.admitted, "spam", ""):
                by_site.setdefault(job.site.pk, []).append(job)
        done: set[int] = set()
        for site_jobs in by_site.values():
            items = [self._arguments(job) for job in site_jobs]
            for job, fast in zip(
                site_jobs, record_reports_fast(site_jobs[0].site, items, channels), strict=True
            ):
                if fast is not None:
                    out.append((job, ("ok", *fast)))
                    done.add(id(job))
        for job in jobs:
            if id(job) not in done:
                out.append((job, self._record(job, channels)))
        return out

    @staticmethod
    def _arguments(job: Job) -> dict:
        from typodesk.findings.services import Quote

        r = job.report
        q = r["quote"]
        return dict(
            url=r["url"],
            quote=Quote(q["exact"], q["prefix"], q["suffix"], q["start"], q["end"]),
            title=r["title"],
            lang=r["lang"],
            suggestion=r["suggestion"] if r["suggestion"] != q["exact"] else "",
            comment=r["comment"],
            client_hash=job.admitted.client,
            email=r["email"],
            root=r.get("root", ""),
        )

    def _record(self, job: Job, channels: dict) -> tuple:
        from typodesk.findings.services import record_report, record_report_fast

        kwargs = self._arguments(job)
        spam = getattr(job.admitted, "spam", "")
        if spam:  # to the spam folder, the way record_report does it
            kwargs["spam"] = spam
        else:
            fast = record_report_fast(job.site, channels=channels, **kwargs)
            if fast is not None:
                return ("ok", *fast)
        recorded = record_report(job.site, **kwargs)
        return ("ok", recorded.report.pk, recorded.finding.pk, recorded.duplicate)

    def _one_by_one(self, batch: list[Job]) -> None:
        from django.db import transaction

        for job in batch:
            if job.result is not None:
                continue
            try:
                if job.admitted is None:
                    self._admit(job)
                if job.admitted is not None and job.result is None:
                    with transaction.atomic():
                        job.result = self._record(job, {})
                    self.stored += 1
            except Exception:
                log.exception("ingestion writer: a report could not be stored")
                _close_if_broken()
                job.result = ("error", 500, FAILED_MESSAGE)

    def _finish(self, batch: list[Job], default: tuple) -> None:
        from typodesk.ingest import refusals

        for job in batch:
            if job.result is None:
                job.result = default
            elif job.result[0] == "refused":
                refusals.record(job.site.pk, job.result[1].reason)
        self._answer(batch, None)

    @staticmethod
    def _answer(jobs: list[Job], result: tuple | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[Job]] = {}
        for job in jobs:
            if result is not None:
                job.result = result
            by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs_of_loop in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, jobs_of_loop)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass


def _resolve(jobs: list[Job]) -> None:
    for job in jobs:
        if job.callback is not None:
            try:
                job.callback(job.result)
            except Exception:  # one request's answer failing must not cost the others theirs
                log.exception("ingestion writer: answering a request failed")
        elif job.future is not None and not job.future.done():
            job.future.set_result(job.result)


def _is_conflict(exc: Exception) -> bool:
    """Whether the database rolled back for a deadlock or a serialization failure (worth a retry)."""
    return getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")


def _close_if_broken() -> None:
    from django.db import connection

    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except Exception:
        connection.close()


_STOP = object()  # in the queue: finish and end the thread
_writer: Writer | None = None
_writer_lock = threading.Lock()


def get() -> Writer:
    """This process's writer (started on first use)."""
    global _writer
    if _writer is None:
        from django.conf import settings

        with _writer_lock:
            if _writer is None:
                _writer = Writer(settings.TYPODESK_INGEST_BATCH_MAX, settings.TYPODESK_INGEST_QUEUE_MAX)
    return _writer


def shutdown() -> None:
    """Stop this process's writer (tests; a new one starts on the next report)."""
    global _writer
    with _writer_lock:
        current, _writer = _writer, None
    if current is not None:
        current.stop()


def depth() -> int:
    """Reports waiting to be stored in this process (0 when the lean path has not started)."""
    return _writer.depth() if _writer is not None else 0
