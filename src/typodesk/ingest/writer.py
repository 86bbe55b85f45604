"""Group commit: one writer thread per server process stores the reports, many per transaction.

The report endpoint (:mod:`typodesk.ingest.endpoint`) validates a report in the event loop, then
hands it to :meth:`Writer.submit` and awaits the future it gets back. The writer thread takes
whatever reports arrived while it was busy with the previous group (up to
``TYPODESK_INGEST_BATCH_MAX``) and stores them with :func:`typodesk.ingest.store.store`, in one
transaction. Only after the commit are the waiting requests answered: a 201 always means the
report is stored. Under light load a group is one report and nothing waits; under heavy load the
cost of a transaction is shared. The thread also writes the refusal counts once a second.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time

from django.db import DatabaseError

from typodesk.ingest import refusals
from typodesk.ingest.store import Failed, Incoming, store

log = logging.getLogger("typodesk.ingest")

_STOP = object()  # in the queue: finish what is queued, then end the thread


class Writer:
    def __init__(self, batch_max: int, queue_max: int):
        self.batch_max = max(1, batch_max)
        self.queue_max = max(1, queue_max)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._last_db_use = time.monotonic()

    def depth(self) -> int:
        """Reports waiting for the writer (for /metrics and the busy answer)."""
        return self._queue.qsize()

    def submit(self, item: Incoming) -> asyncio.Future | None:
        """Queue a report from the running event loop; the future is done once its outcome is
        set. None when the queue is full (the caller answers 503)."""
        if self._queue.qsize() >= self.queue_max:
            return None
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._ensure_started()
        self._queue.put((item, loop, future))
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="typodesk-ingest-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, write the refusal counts, close the thread's connection."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP)
        thread.join(timeout)

    def _run(self) -> None:
        from django.db import close_old_connections, connection

        while True:
            try:
                first = self._queue.get(timeout=1.0)
            except queue.Empty:
                first = None
            if first is _STOP:
                _flush_refusals()
                connection.close()
                return
            _flush_refusals(due_only=True)
            if first is None:
                continue
            batch = [first]
            while len(batch) < self.batch_max:
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is _STOP:
                    self._queue.put(entry)  # after this group
                    break
                batch.append(entry)
            if time.monotonic() - self._last_db_use > 30:
                close_old_connections()  # an idle connection may have been closed by the server
            self._last_db_use = time.monotonic()
            items = [item for item, _, _ in batch]
            try:
                store(items)
            except Exception:  # never let the thread die: requests would wait forever
                log.exception("ingestion writer: unexpected failure")
                for item in items:
                    item.outcome = item.outcome or Failed()
            _answer(batch)


def _answer(batch: list[tuple]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
    for _, loop, future in batch:
        by_loop.setdefault(loop, []).append(future)
    for loop, futures in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, futures)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _resolve(futures: list[asyncio.Future]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


def _flush_refusals(due_only: bool = False) -> None:
    try:
        refusals.flush(due_only=due_only)
    except DatabaseError as exc:  # the database is away or its disk full: counted again later
        log.warning("refusal counts could not be written yet (%s); kept for the next flush", exc)
    except Exception:  # a refusal is answered whatever the counter's database does
        log.warning("refusal counts could not be written yet; kept for the next flush", exc_info=True)


_writer: Writer | None = None
_writer_lock = threading.Lock()


def get() -> Writer:
    """This process's writer (its thread starts with the first report)."""
    global _writer
    if _writer is None:
        from django.conf import settings

        with _writer_lock:
            if _writer is None:
                _writer = Writer(settings.TYPODESK_INGEST_BATCH_MAX, settings.TYPODESK_INGEST_QUEUE_MAX)
    return _writer


def shutdown() -> None:
    """Stop this process's writer: what is queued is stored, refusal counts are written."""
    global _writer
    with _writer_lock:
        current, _writer = _writer, None
    if current is not None:
        current.stop()


def depth() -> int:
    """Reports waiting to be stored in this process."""
    return _writer.depth() if _writer is not None else 0
