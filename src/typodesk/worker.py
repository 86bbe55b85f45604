"""The background worker: ``typodesk worker`` and ``typodesk serve --with-worker``.

A polling loop in the Healthchecks style, with nothing to run but typodesk and
its database: no queue server, no scheduler. Each background job is a *tick*,
a callable that does a bounded amount of work and returns how much it did;
the loop calls every tick in turn and sleeps briefly only when none had
anything to do, so a backlog is worked off at full speed and an idle worker
costs a query or two a second. Jobs coordinate through the database (see
:mod:`typodesk.notify.delivery` for the claiming rule), so any number of
workers may run, on one machine or several.

The jobs deliver notifications, read reported pages to verify fixes and compute
the spell checker's suggestions (:mod:`typodesk.pages.jobs`); purges and the like
plug in by adding a :class:`Job` to :func:`default_jobs`.

SIGTERM and SIGINT stop the loop after the tick in progress: a message being
sent is finished and recorded, never abandoned half way (an abandoned one
would only be retried after its lease, but stopping cleanly is cheaper).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger("typodesk.worker")

IDLE_SLEEP = 1.0
HEARTBEAT_EVERY = 30.0


@dataclass
class Job:
    """One kind of background work: ``tick()`` does a little of it and returns how much."""

    name: str
    tick: Callable[[], int]


def default_jobs(worker_id: str, stopping: Callable[[], bool]) -> list[Job]:
    """Every background job typodesk runs; add new ones here."""
    from typodesk.abuse.jobs import Purger
    from typodesk.findings.retention import RetentionPurge
    from typodesk.notify.delivery import Deliverer
    from typodesk.notify.reader import ReaderMailer
    from typodesk.overview.rollup import Rollup
    from typodesk.pages.jobs import PageReader, SpellChecker

    return [
        Job("notifications", Deliverer(worker_id=worker_id, stopping=stopping).tick),
        Job("reader-mail", ReaderMailer(worker_id=worker_id, stopping=stopping).tick),
        Job("pages", PageReader(worker_id=worker_id, stopping=stopping).tick),
        Job("spelling", SpellChecker(worker_id=worker_id, stopping=stopping).tick),
        Job("retention", RetentionPurge(stopping=stopping).tick),
        Job("abuse", Purger().tick),
        Job("overview", Rollup().tick),
    ]


class Worker:
    """Calls every job's tick until stopped; one per thread (each thread has its own database connection)."""

    def __init__(
        self,
        jobs: list[Job] | None = None,
        *,
        worker_id: str | None = None,
        stop_event: threading.Event | None = None,
        idle_sleep: float = IDLE_SLEEP,
        heartbeat_every: float = HEARTBEAT_EVERY,
    ):
        from typodesk.notify.delivery import default_worker_id

        self.worker_id = worker_id or default_worker_id()
        self.stop_event = stop_event or threading.Event()
        self.idle_sleep = idle_sleep
        self.heartbeat_every = heartbeat_every
        self.jobs = jobs if jobs is not None else default_jobs(self.worker_id, self.stop_event.is_set)
        self._last_beat = 0.0

    def stop(self) -> None:
        self.stop_event.set()

    def run_once(self) -> int:
        """One round: every job ticks once. A failing job is logged and does not stop the others."""
        done = 0
        for job in self.jobs:
            if self.stop_event.is_set():
                break
            try:
                done += job.tick() or 0
            except Exception:
                # The database restarting, a bug in one job: log it, drop the connection
                # (it may be broken) and carry on; the work is still in the database.
                log.exception("worker %s: job %s failed; retrying after a pause", self.worker_id, job.name)
                connection.close()
        return done

    def run(self, once: bool = False) -> None:
        """Loop until stopped; with ``once``, until a round finds nothing to do."""
        log.info("worker %s started (jobs: %s)", self.worker_id, ", ".join(j.name for j in self.jobs))
        try:
            while not self.stop_event.is_set():
                close_old_connections()
                done = self.run_once()
                self._heartbeat()
                if done == 0:
                    if once:
                        break
                    self.stop_event.wait(self.idle_sleep)
        finally:
            self._goodbye()
            connection.close()
            log.info("worker %s stopped", self.worker_id)

    def _heartbeat(self) -> None:
        """Say we are alive, every ``heartbeat_every`` seconds: the desk warns when no worker is."""
        import time

        from typodesk.heartbeat.models import WorkerBeat

        if time.monotonic() - self._last_beat < self.heartbeat_every:
            return
        now = timezone.now()
        try:
            # Beats of workers that died without a goodbye (SIGKILL, power loss) go after a day.
            WorkerBeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
            WorkerBeat.objects.update_or_create(
                worker_id=self.worker_id[:100],
                defaults={"last_seen": now},
                create_defaults={"started": now, "last_seen": now},
            )
            self._last_beat = time.monotonic()
        except Exception:
            log.warning("worker %s: cannot record its heartbeat", self.worker_id, exc_info=True)
            connection.close()

    def _goodbye(self) -> None:
        from typodesk.heartbeat.models import WorkerBeat

        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id[:100]).delete()
        except Exception:  # noqa: S110 - a stale heartbeat only delays a warning; never block stopping
            pass


def run(concurrency: int = 1, once: bool = False) -> int:
    """``typodesk worker``: ``concurrency`` worker threads until SIGTERM/SIGINT (or idle, with ``once``)."""
    from typodesk.notify.delivery import default_worker_id

    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        log.info("received %s: stopping after the work in progress", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    base = default_worker_id()
    if concurrency == 1:
        Worker(worker_id=base, stop_event=stop).run(once=once)
        return 0
    threads = []
    for i in range(concurrency):
        worker = Worker(worker_id=f"{base}/{i + 1}", stop_event=stop)
        thread = threading.Thread(target=worker.run, kwargs={"once": once}, name=f"worker-{i + 1}")
        thread.start()
        threads.append(thread)
    # Join with a timeout so that the main thread keeps handling signals.
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=0.5)
    return 0


class InProcess:
    """A worker in a thread of another process: ``typodesk serve --with-worker``."""

    def __init__(self) -> None:
        from typodesk.notify.delivery import default_worker_id

        self.worker = Worker(worker_id=f"{default_worker_id()}/serve")
        self.thread = threading.Thread(target=self.worker.run, name="typodesk-worker", daemon=True)

    def start(self) -> InProcess:
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)
