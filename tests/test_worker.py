"""The background worker loop: jobs tick until idle, a failing job does not stop the others,
signals stop it cleanly. (What the notification job does is tested in tests/notify.)"""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest

from tests.waiting import wait_until
from typodesk.worker import Job, Worker


class Counting:
    """A job with a fixed amount of work: each tick does one unit until none is left."""

    def __init__(self, work: int):
        self.left = work
        self.ticks = 0

    def tick(self) -> int:
        self.ticks += 1
        if self.left:
            self.left -= 1
            return 1
        return 0


@pytest.mark.django_db(transaction=True)
def test_once_runs_every_job_until_none_has_work_left():
    a, b = Counting(3), Counting(1)
    Worker([Job("a", a.tick), Job("b", b.tick)], worker_id="t").run(once=True)
    assert (a.left, b.left) == (0, 0)
    assert a.ticks == 4  # three with work, one that found none


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_logged_and_the_others_go_on(caplog):
    calls = []

    def broken() -> int:
        calls.append("broken")
        raise RuntimeError("boom")

    good = Counting(2)
    Worker([Job("broken", broken), Job("good", good.tick)], worker_id="t").run(once=True)
    assert good.left == 0 and len(calls) == 3
    assert "job broken failed" in caplog.text and "boom" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_sleeps_and_stops_promptly_when_told():
    idle = Counting(0)
    # An idle sleep far longer than any test: after its first tick finds nothing to do the worker
    # sleeps, so it can only stop if being told wakes it.
    worker = Worker([Job("idle", idle.tick)], worker_id="t", idle_sleep=3600)
    thread = threading.Thread(target=worker.run)
    thread.start()
    wait_until(lambda: idle.ticks >= 1, message="the worker never ticked")
    worker.stop()
    thread.join(60)
    assert not thread.is_alive(), "stop() did not wake the sleeping worker"
    assert idle.ticks == 1  # slept after a tick with no work instead of ticking again


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_says_it_is_alive_and_says_goodbye():
    from typodesk.heartbeat.models import WorkerBeat

    seen = []

    def look() -> int:
        seen.append(list(WorkerBeat.objects.values_list("worker_id", flat=True)))
        return 1 if len(seen) < 2 else 0

    Worker([Job("look", look)], worker_id="host:1").run(once=True)
    assert seen[-1] == ["host:1"]
    assert not WorkerBeat.objects.exists()


@pytest.mark.slow
def test_typodesk_worker_runs_until_sigterm_and_stops_cleanly(install):
    from tests.conftest import TYPODESK
    from tests.notify.receivers import wait_for

    install.run("init")
    assert install.run("worker", "--once").returncode == 0
    proc = subprocess.Popen(
        [*TYPODESK, "worker", "--concurrency", "2"],
        env=install.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    install.procs.append(proc)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    wait_for(lambda: sum(" started (jobs: notifications" in line for line in lines) == 2, timeout=30)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    out = "".join(lines)
    assert "received SIGTERM" in out and out.count(" stopped") == 2 and "Traceback" not in out


@pytest.mark.slow
def test_worker_refuses_an_uninitialised_database(install):
    cp = install.run("worker", "--once", check=False)
    assert cp.returncode == 2 and "typodesk init" in cp.stderr


@pytest.mark.slow
def test_a_bad_worker_setting_is_a_one_line_error(install):
    install.run("init")
    install.env["TYPODESK_WORKER_LEASE_SECONDS"] = "two minutes"
    cp = install.run("worker", "--once", check=False)
    assert (
        cp.returncode == 2 and "TYPODESK_WORKER_LEASE_SECONDS" in cp.stderr and "Traceback" not in cp.stderr
    )


# What an idle worker must not load: the page reader's HTTP client and HTML parser, the spelling
# engine and its dictionaries, django-ninja and pydantic (the API's); each is imported by the
# job that uses it. A worker process is a third smaller without them (docs/performance.md).
LOADED_ON_USE = ("httpx", "selectolax", "typodesk.spelling", "rapidfuzz", "hunspell", "ninja", "pydantic")

IDLE_WORKER = """
import sys
from typodesk import cli
cli._setup_django()
cli._require_migrated()
from typodesk.worker import Worker
worker = Worker()
worker.run_once()
print(" ".join(m for m in sys.argv[1:] if m in sys.modules))
"""


@pytest.mark.slow
def test_an_idle_worker_does_not_load_what_only_its_jobs_use(install):
    import sys

    install.run("init")
    cp = subprocess.run(
        [sys.executable, "-c", IDLE_WORKER, *LOADED_ON_USE],
        env=install.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == []
