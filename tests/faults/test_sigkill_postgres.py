"""SIGKILL of ``typodesk serve --workers 2`` under load, on PostgreSQL: nothing acknowledged lost
or doubled.

The SQLite counterpart is tests/durability/test_sigkill.py (one server process, 20 kills). Here
the whole process group (uvicorn's supervisor and its two server processes) is killed at once,
as by the OOM killer or a power cut, and started again on the same port, KILLS times: a
restart of three processes takes a few seconds on a loaded two-core machine, so fewer kills
than on SQLite keep the test within its time budget while every kill still lands under load.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter

import pytest

from tests.conftest import free_port
from tests.faults.common import Flood, check_counts, log_path, spawn, stored_comments, wait_healthy

pytestmark = pytest.mark.slow
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    pytestmark = [
        pytestmark,
        pytest.mark.skip(reason="SIGKILL on PostgreSQL needs DATABASE_URL=postgres://…"),
    ]

KILLS = 5


def test_every_acknowledged_report_survives_sigkill_of_two_server_processes(install):
    install.env.update(TYPODESK_RATE_BURST="1000000")
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def start():
        proc = spawn(install, "serve", "serve", "--port", str(port), "--workers", "2", start_new_session=True)
        wait_healthy(base, proc)
        return proc

    proc = start()
    flood = Flood(base, key, "https://news.example/story", clients=4).start()
    rnd = random.Random(11)
    restarts: list[float] = []
    try:
        for _ in range(KILLS):
            time.sleep(rnd.uniform(0.5, 1.5))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            killed_at = time.monotonic()
            proc = start()
            restarts.append(time.monotonic() - killed_at)
        time.sleep(1.0)
    finally:
        flood.stop()
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(20)

    stored = stored_comments(install, key)
    doubles = [c for c, n in Counter(stored).items() if n > 1]
    acked = set(flood.acked)
    print(
        f"kills {KILLS}, sent {flood.sent}, acknowledged {len(acked)}, refused or cut {len(flood.unacked)} "
        f"{dict(flood.statuses)}, stored {len(stored)}, duplicates {len(doubles)}, restart "
        f"{min(restarts):.1f}-{max(restarts):.1f} s"
    )
    assert len(acked) > 100, "too few reports got through to prove anything"
    assert not doubles, "a report was stored twice"
    assert not acked - set(stored), f"{len(acked - set(stored))} acknowledged reports were lost"
    assert set(stored) <= acked | set(flood.unacked), "a report nobody sent was stored"
    assert 500 not in flood.statuses, log_path(install, "serve").read_text()[-3000:]
    check_counts(install, key)
