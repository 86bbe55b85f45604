"""The lean ingestion path in a real `typodesk serve`: real HTTP, group commit, refusals, the desk.

One served instance for the module. Reports are sent by many clients at once; every 201 must be
stored exactly once (counted with `typodesk export` afterwards), and a flood from one reader
must not keep another reader out.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import Install, served_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    # One reader may send 5 at once; addresses come from X-Forwarded-For of the local proxy.
    yield from served_site(
        tmp_path_factory.mktemp("fast-served"),
        TYPODESK_RATE_BURST="5",
        TYPODESK_RATE_PER_MINUTE="5",
        TYPODESK_TRUSTED_PROXIES="127.0.0.1/32",
    )


def post(url: str, data, reader: str, origin: str | None = None) -> tuple[int, dict, dict]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"Content-Type": "text/plain;charset=UTF-8", "X-Forwarded-For": reader}
    if origin:
        headers["Origin"] = origin
    req = urllib.request.Request(url + "/api/v1/reports", raw, headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), dict(e.headers)


def report(key: str, n: int, **over) -> dict:
    data = {
        "site": key,
        "url": f"https://news.example/story-{n % 3}",
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7, "end": 10},
        "comment": f"report {n}",
    }
    data.update(over)
    return data


def exported(inst: Install, key: str) -> list[dict]:
    return json.loads(inst.run("export", "--site", key, "--format", "json").stdout)["findings"]


def test_concurrent_readers_each_get_201_and_every_report_is_stored_once(served):
    inst, url, key = served
    n = 120
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda i: post(url, report(key, i), f"198.51.100.{i % 60}"), range(n)))
    assert [a[0] for a in answers] == [201] * n
    assert len({a[1]["id"] for a in answers}) == n
    findings = exported(inst, key)
    comments = [r["comment"] for f in findings for r in f["reports"]]
    assert sorted(comments) == sorted(f"report {i}" for i in range(n))
    assert len(findings) == 3  # one span on three pages
    for f in findings:
        assert f["report_count"] == len(f["reports"]) == 40


def test_refusals_over_http(served):
    _, url, key = served
    status, out, headers = post(url, b"{", "192.0.2.1", origin="https://news.example")
    assert status == 400 and out["field"] == "body"
    assert headers["access-control-allow-origin"] == "https://news.example"
    status, out, _ = post(url, report(key, 1, site="nope"), "192.0.2.1")
    assert status == 403 and out["field"] == "site"
    status, out, _ = post(url, report(key, 1, url="https://evil.example/"), "192.0.2.1")
    assert status == 403 and out["field"] == "url"


def test_a_flooding_reader_does_not_keep_another_out(served):
    inst, url, key = served
    flood = "203.0.113.66"
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda i: post(url, report(key, i, comment="flood"), flood)[0], range(200)))
        other = list(
            pool.map(lambda i: post(url, report(key, i, comment=f"other {i}"), f"203.0.113.{i}")[0], range(5))
        )
    assert codes.count(201) == 5 and codes.count(429) == 195
    assert other == [201] * 5
    comments = [r["comment"] for f in exported(inst, key) for r in f["reports"]]
    assert comments.count("flood") == 5
    assert {f"other {i}" for i in range(5)} <= set(comments)


def test_the_desk_and_other_paths_still_go_to_django(served):
    _, url, _ = served
    with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
        assert r.status == 200
    req = urllib.request.Request(url + "/api/v1/reports", method="GET")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 405


def test_refusals_counted_by_the_lean_path_are_written_when_the_server_stops(install):
    import signal

    install.run("init")
    proc, url = install.serve()
    for _ in range(3):
        assert post(url, b"{", "192.0.2.7")[0] == 400
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    code = "from typodesk.ingest.refusals import totals; print(totals().get('bad_body', 0))"
    assert install.run("manage", "shell", "-c", code).stdout.strip().splitlines()[-1] == "3"


def test_on_sqlite_server_processes_take_turns_through_the_lock_file(served):
    """Writers of several server processes (`serve --workers N`) take turns through a lock file
    beside the database: while another process holds it, a report waits, and it is stored and
    answered as soon as the lock is let go (no sleeping in SQLite's busy handler)."""
    import fcntl
    import threading
    import time

    inst, url, key = served
    if "DATABASE_URL" in inst.env:
        pytest.skip("PostgreSQL locks rows, not the database")
    lock = open(inst.data_dir / "typodesk.sqlite3-ingest.lock", "a")  # noqa: SIM115
    answers = []
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sender = threading.Thread(target=lambda: answers.append(post(url, report(key, 90), "192.0.2.90")))
        sender.start()
        sender.join(1.5)
        assert sender.is_alive() and not answers  # waiting for the lock
        released = time.monotonic()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    sender.join(10)
    assert answers and answers[0][0] == 201, answers
    assert time.monotonic() - released < 0.5
