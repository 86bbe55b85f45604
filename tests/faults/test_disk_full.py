"""The disk of the SQLite database fills up during a flood, and space is freed again.

The data directory of a real ``typodesk serve`` is a tmpfs of its own, a few megabytes large
(``mount -t tmpfs -o size=…``, so the test needs root; without it the test is skipped and says
why). A ballast file takes every free byte while four clients send reports; then it is deleted.

What must hold: while the disk is full reports are answered 503 with Retry-After (never a 500),
every report answered 201 is stored once, an editor still reads the desk, the log and /metrics
tell the operator; once space is freed reports are stored again, without a restart; the
database is intact.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from tests.conftest import free_port
from tests.faults.common import Flood, check_counts, log_path, metric, spawn, stored_comments, wait_healthy
from tests.notify.receivers import wait_for

pytestmark = pytest.mark.slow
if os.environ.get("DATABASE_URL"):
    pytestmark = [pytestmark, pytest.mark.skip(reason="the disk-full test is about SQLite's data directory")]

SIZE = "6m"
FULL_FOR = 3.0  # seconds the disk stays full
PASSWORD = "editor-password-for-tests"


@pytest.fixture
def small_data_dir(install):
    """The installation's data directory on a tmpfs of SIZE."""
    data = install.data_dir
    data.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(data)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here (needs root): {mounted.stderr.strip()}")
    yield data
    install.stop()  # nothing may hold a file there when it is unmounted
    subprocess.run(["umount", "-l", str(data)], check=False)


def fill(directory) -> int:
    """Write a ballast file until the filesystem is full; returns its size."""
    size = 0
    with open(directory / "ballast", "wb", buffering=0) as f:
        for step in (65536, 4096, 1):
            while True:
                try:
                    written = f.write(b"\0" * step) or 0
                except OSError:
                    break
                size += written
                if written < step:
                    break
    return size


def desk_session(base: str) -> urllib.request.OpenerDirector:
    """An editor logged in to the desk (a session cookie in the opener)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/desk/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "editor@news.example", "password": PASSWORD}
    ).encode()
    req = urllib.request.Request(base + "/desk/login/", form, {"Referer": base + "/desk/login/"})
    with opener.open(req, timeout=10) as r:
        assert r.url.rstrip("/").endswith("/desk"), f"not logged in: {r.url}"
    return opener


def read_desk(opener, base: str) -> tuple[int, str]:
    try:
        with opener.open(base + "/desk/", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_a_full_disk_refuses_reports_and_typodesk_carries_on_when_space_is_freed(install, small_data_dir):
    install.env.update(TYPODESK_RATE_BURST="1000000")
    install.run("init")
    install.run("createuser", "editor@news.example", "--password-stdin", input=PASSWORD + "\n")
    key = install.run("site", "add", "News", "--domain", "news.example", "--owner", "editor@news.example")
    key = key.stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = spawn(install, "serve", "serve", "--port", str(port))
    wait_healthy(base, server)
    editor = desk_session(base)

    flood = Flood(base, key, "https://news.example/story").start()
    try:
        wait_for(lambda: len(flood.acked) > 50, timeout=20)
        ballast = fill(small_data_dir)
        full_at = time.monotonic()
        wait_for(lambda: flood.statuses[503] >= 20, timeout=30, interval=0.1)
        refused_after = (flood.first_503 or full_at) - full_at
        # The operator's view while the disk is full.
        desk_status, desk_page = read_desk(editor, base)
        with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
            metrics_full = r.read().decode()
        time.sleep(max(0.0, full_at + FULL_FOR - time.monotonic()))
        acked_while_full = len(flood.acked)
        (small_data_dir / "ballast").unlink()
        freed_at = time.monotonic()
        wait_for(lambda: flood.first_ack_after(freed_at), timeout=30, interval=0.1)
        recovered = flood.first_ack_after(freed_at) - freed_at
        wait_for(lambda: len(flood.acked) > acked_while_full + 50, timeout=30)
    finally:
        flood.stop()
    assert server.poll() is None, "the server died"
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        metrics_after = r.read().decode()
    install.stop()

    stored = stored_comments(install, key)
    doubles = [c for c, n in Counter(stored).items() if n > 1]
    acked = set(flood.acked)
    print(
        f"sent {flood.sent}, acknowledged {len(acked)}, 503 {flood.statuses[503]}, answers {dict(flood.statuses)}, "
        f"stored {len(stored)}, duplicates {len(doubles)}, ballast {ballast} bytes, first 503 "
        f"{refused_after:.2f} s after the disk filled, time to recover {recovered:.2f} s after space was freed"
    )
    assert set(flood.statuses) <= {201, 503}, f"answers other than 201 and 503: {dict(flood.statuses)}"
    assert flood.without_retry_after == 0, "a 503 without Retry-After"
    assert not doubles, "a report was stored twice"
    assert not acked - set(stored), f"{len(acked - set(stored))} acknowledged reports were lost"
    assert len(stored) == len(acked), "a report answered 503 was stored"
    check_counts(install, key)

    assert desk_status == 200 and "recieve" in desk_page, "the desk did not read while the disk was full"
    assert metric(metrics_full, "typodesk_data_dir_free_bytes") < 64 * 1024
    assert metric(metrics_after, "typodesk_data_dir_free_bytes") > 1024 * 1024
    assert (
        metric(metrics_after, 'typodesk_reports_refused_total{reason="unavailable"}') >= flood.statuses[503]
    )
    log = log_path(install, "serve").read_text()
    assert "disk is full" in log and "stores reports again" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    with sqlite3.connect(small_data_dir / "typodesk.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
