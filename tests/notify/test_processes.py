"""Delivery by real ``typodesk worker`` processes: concurrency, SIGKILL, ``serve --with-worker``.

Each test has an installation of its own (SQLite in a temporary directory, or a
new PostgreSQL database) and a real HTTP receiver on 127.0.0.1.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from tests.conftest import TYPODESK
from tests.notify.receivers import HttpReceiver, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def receiver():
    r = HttpReceiver().start()
    yield r
    r.stop()


def python(install, code: str) -> dict:
    """Run ``code`` in the installation (Django shell) and return what it prints after ``RESULT``."""
    out = install.run("manage", "shell", "--no-imports", "-c", code).stdout
    line = [x for x in out.splitlines() if x.startswith("RESULT ")]
    return json.loads(line[-1][7:]) if line else {}


UNSENT = """
import json
from typodesk.notify.models import Message
print("RESULT " + json.dumps({"unsent": Message.objects.exclude(status="sent").count()}))
"""


def setup_site(install, receiver, channels: int = 1) -> str:
    install.env["TYPODESK_ALLOW_PRIVATE_TARGETS"] = "true"
    # The worker also re-reads reported pages (fix verification); the pages of these tests are on
    # 127.0.0.1, and are not read before the tests end: traffic stays on this machine.
    install.env["TYPODESK_FETCH_FIRST_DELAY"] = "3600"
    install.run("init")
    return python(
        install,
        f"""
import json
from typodesk.sites.models import Domain, Site
from typodesk.notify.models import Channel, new_webhook_secret
site = Site.objects.create(name="News")
Domain.objects.create(site=site, host="127.0.0.1")
Channel.objects.bulk_create([
    Channel(site=site, kind="webhook", name=f"hook {{i}}", target="{receiver.url}/hook/%d" % i,
            secret=new_webhook_secret(), events=["new"])
    for i in range({channels})
])
print("RESULT " + json.dumps({{"key": site.public_key}}))
""",
    )["key"]


class Worker:
    """``typodesk worker`` in a subprocess, its output collected by a thread."""

    def __init__(self, install, *args: str):
        self.proc = subprocess.Popen(
            [*TYPODESK, "worker", *args],
            env=install.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        install.procs.append(self.proc)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def started(self) -> Worker:
        wait_for(lambda: any(" started (jobs: " in line for line in self.lines))
        return self

    @property
    def output(self) -> str:
        return "".join(self.lines)


def send_report(base: str, key: str, exact: str, start: int) -> dict:
    data = {
        "site": key,
        "url": "http://127.0.0.1:9/story",
        "title": "A story",
        "quote": {"exact": exact, "prefix": "p ", "suffix": " s", "start": start, "end": start + len(exact)},
        "suggestion": "fixed",
    }
    req = urllib.request.Request(
        base + "/api/v1/reports", json.dumps(data).encode(), {"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201
        return json.load(r)


def test_two_workers_at_once_never_send_the_same_notification_twice(install, receiver):
    channels = 60
    setup_site(install, receiver, channels=channels)
    receiver.delay = 0.03  # slow enough that both workers are busy at the same time
    workers = [Worker(install), Worker(install)]
    for w in workers:
        w.started()

    # Two new findings in one transaction, while both workers poll: 120 notifications to
    # group and 60 messages to claim, with both workers racing for every one of them.
    python(
        install,
        """
from django.db import transaction
from typodesk.findings.services import Quote, record_report
from typodesk.sites.models import Site
site = Site.objects.get()
with transaction.atomic():
    record_report(site, url="http://127.0.0.1:9/a", quote=Quote("teh", "p ", " s", 2, 5))
    record_report(site, url="http://127.0.0.1:9/a", quote=Quote("recieve", "p ", " s", 20, 27))
""",
    )
    wait_for(lambda: len(receiver.received()) >= channels)

    # Counted once both have stopped: a duplicate, if any, has arrived by then.
    for w in workers:
        w.proc.send_signal(signal.SIGTERM)
    for w in workers:
        assert w.proc.wait(15) == 0, w.output
        assert "Traceback" not in w.output, w.output

    received = receiver.received()
    ids = [r.headers["webhook-id"] for r in received]
    assert len(ids) == channels and len(set(ids)) == channels, "each message exactly once"
    assert sorted(r.path for r in received) == sorted(f"/hook/{i}" for i in range(channels))
    for r in received:
        exacts = sorted(e["data"]["finding"]["exact"] for e in r.json["data"]["events"])
        assert exacts == ["recieve", "teh"], "each notification in exactly one message"

    counts = python(
        install,
        """
import json
from collections import Counter
from typodesk.heartbeat.models import WorkerBeat
from typodesk.notify.models import Attempt, Message
print("RESULT " + json.dumps({"by_worker": Counter(Attempt.objects.values_list("worker", flat=True)),
      "unsent": Message.objects.exclude(status="sent").count(), "beats": WorkerBeat.objects.count()}))
""",
    )
    assert counts["unsent"] == 0 and sum(counts["by_worker"].values()) == channels
    assert len(counts["by_worker"]) == 2, f"both workers took part: {counts['by_worker']}"
    assert counts["beats"] == 0  # workers that stop cleanly say goodbye


def test_a_worker_killed_with_sigkill_loses_nothing(install, receiver):
    install.env["TYPODESK_WORKER_LEASE_SECONDS"] = "3"
    install.env["TYPODESK_NOTIFY_GROUP_SECONDS"] = "0"  # each report its own message, at once
    key = setup_site(install, receiver)
    _, base = install.serve()

    # 1. A report accepted just before the worker is killed is delivered after the restart.
    worker = Worker(install).started()
    accepted = send_report(base, key, "teh", 2)
    worker.proc.kill()  # SIGKILL: no goodbye, no cleanup
    assert worker.proc.wait(10) == -signal.SIGKILL
    worker = Worker(install).started()
    wait_for(lambda: receiver.received())
    # Once the message is marked sent nobody sends it again: a second copy, if any, is in.
    wait_for(lambda: python(install, UNSENT) == {"unsent": 0}, interval=0.5)
    first = receiver.received()
    assert first[0].json["data"]["finding"]["id"] == accepted["finding"]
    assert {r.headers["webhook-id"] for r in first} == {first[0].headers["webhook-id"]}
    # Exactly once, unless the kill landed in the middle of the send; even then the retry
    # carries the same webhook-id (part 2).
    assert len(first) <= 2

    # 2. Killed in the middle of a send: the message is sent again once the dead worker's
    # lease (3 s here) has run out, with the same webhook-id, so the receiver can drop it.
    receiver.delay = 1.0  # a slow receiver: the worker is mid-send when it dies
    receiver.started.clear()
    send_report(base, key, "recieve", 20)
    wait_for(receiver.started.is_set)
    worker.proc.kill()
    worker.proc.wait(10)
    killed_at = time.monotonic()
    receiver.delay = 0.0
    Worker(install).started()
    wait_for(lambda: len(receiver.received()) >= len(first) + 2)
    # A lower bound, which a slow machine cannot break: not sent again before the lease ran out.
    assert time.monotonic() - killed_at >= 2
    got, retry = receiver.received()[len(first) :]
    assert got.json["data"]["finding"]["exact"] == "recieve"
    assert got.headers["webhook-id"] == retry.headers["webhook-id"] and got.body == retry.body


def test_serve_with_worker_delivers_from_the_server_process(install, receiver):
    key = setup_site(install, receiver)
    proc, base = install.serve("--with-worker")
    send_report(base, key, "teh", 2)
    wait_for(lambda: receiver.received())
    assert receiver.received()[0].json["type"] == "finding.created"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    out = proc.stdout.read()
    assert "Traceback" not in out and "/serve started" in out and "/serve stopped" in out
