"""What the fault tests share: a flood of readers' reports, and what the database kept of them.

Each report carries a unique tag in its comment, so that what the server acknowledged (201) can
be compared with what is stored: every acknowledged tag stored once, nothing stored twice.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import TYPODESK, Install
from tests.waiting import TIMEOUT, wait_for_health

SPANS = ["teh", "recieve", "seperate", "occured", "untill"]


def report_body(key: str, page: str, tag: str, rnd: random.Random) -> dict:
    exact = rnd.choice(SPANS)
    start = 10 * SPANS.index(exact)
    return {
        "site": key,
        "url": page,
        "quote": {"exact": exact, "prefix": "a ", "suffix": " b", "start": start, "end": start + len(exact)},
        "comment": tag,
    }


def post(url: str, body: dict, timeout: float = 10.0) -> tuple[int, dict[str, str], float]:
    """(status, headers, seconds); status 0 when no HTTP answer came (connection refused or cut)."""
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, time.monotonic() - started
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, time.monotonic() - started
    except OSError:
        return 0, {}, time.monotonic() - started


@dataclass
class Flood:
    """``clients`` threads sending reports to ``base`` as fast as they are answered."""

    base: str
    key: str
    page: str
    clients: int = 4
    pause_after_failure: float = 0.05
    acked: list[str] = field(default_factory=list)
    unacked: list[str] = field(default_factory=list)  # answered otherwise, or not at all
    statuses: Counter = field(default_factory=Counter)
    # (time, status) of every answer, for the time to recover.
    answers: list[tuple[float, int]] = field(default_factory=list)
    without_retry_after: int = 0  # 503s that did not say when to try again
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Flood:
        for n in range(self.clients):
            t = threading.Thread(target=self._client, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(20)

    @property
    def sent(self) -> int:
        return len(self.acked) + len(self.unacked)

    def _client(self, n: int) -> None:
        rnd = random.Random(n)
        while not self.stop_event.is_set():
            tag = uuid.uuid4().hex
            status, headers, _ = post(
                self.base + "/api/v1/reports", report_body(self.key, self.page, tag, rnd)
            )
            with self.lock:
                self.statuses[status] += 1
                self.answers.append((time.monotonic(), status))
                (self.acked if status == 201 else self.unacked).append(tag)
                if status == 503 and not headers.get("retry-after"):
                    self.without_retry_after += 1
            if status != 201:
                time.sleep(self.pause_after_failure)

    @property
    def first_503(self) -> float | None:
        with self.lock:
            return next((t for t, s in self.answers if s == 503), None)

    def first_ack_after(self, moment: float) -> float | None:
        with self.lock:
            return next((t for t, s in self.answers if t >= moment and s == 201), None)


def stored_comments(install: Install, key: str) -> list[str]:
    """The comment of every report stored for the site (the export, as an operator takes it)."""
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    return [r["comment"] for f in doc["findings"] for r in f["reports"]]


def check_counts(install: Install, key: str) -> None:
    """Every finding's report count equals its reports."""
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    for f in doc["findings"]:
        assert f["report_count"] == len(f["reports"]), f"finding {f['id']} count is corrupted"


def spawn(install: Install, name: str, *args: str, **popen) -> subprocess.Popen:
    """``typodesk ARGS`` with its output in NAME.log beside the data directory."""
    log = open(log_path(install, name), "a")  # noqa: SIM115 - the process keeps it
    proc = subprocess.Popen(
        [*TYPODESK, *args], env=install.env, stdout=log, stderr=subprocess.STDOUT, **popen
    )
    install.procs.append(proc)
    return proc


def log_path(install: Install, name: str) -> Path:
    return install.data_dir.parent / f"{name}.log"


def wait_healthy(base: str, proc: subprocess.Popen | None = None, timeout: float = TIMEOUT) -> None:
    wait_for_health(base, proc, timeout)


def get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metric(text: str, name: str) -> float | None:
    """The value of the sample ``name`` (with its labels, as written) in a /metrics answer."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None
