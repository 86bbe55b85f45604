"""`typodesk backup` and `typodesk restore`: a consistent copy taken while reports keep coming."""

from __future__ import annotations

import json
import os
import threading
import urllib.request

import pytest

sqlite_only = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="SQLite backups; PostgreSQL uses pg_dump"
)


def send(url, key, n):
    body = {
        "site": key,
        "url": "https://news.example/a",
        "quote": {"exact": f"w{n}", "start": 0, "end": len(f"w{n}")},
    }
    req = urllib.request.Request(
        url + "/api/v1/reports", json.dumps(body).encode(), {"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201


def findings(install, key):
    return json.loads(install.run("export", "--site", key).stdout)["findings"]


@sqlite_only
def test_backup_while_serving_then_restore(install, tmp_path):
    install.env["TYPODESK_RATE_BURST"] = "100000"
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    _, url = install.serve()
    for i in range(20):
        send(url, key, i)
    stop = threading.Event()

    def keep_sending():
        i = 1000
        while not stop.is_set():
            send(url, key, i)
            i += 1

    t = threading.Thread(target=keep_sending)
    t.start()
    try:
        cp = install.run("backup", str(tmp_path / "copy.sqlite3"))
    finally:
        stop.set()
        t.join()
    assert "backed up" in cp.stderr
    after = len(findings(install, key))
    install.stop()

    install.run("restore", str(tmp_path / "copy.sqlite3"), "--yes")
    restored = findings(install, key)
    assert 20 <= len(restored) <= after
    assert {f"w{i}" for i in range(20)} <= {f["quote"]["exact"] for f in restored}


@sqlite_only
def test_backup_refuses_to_overwrite_and_restore_refuses_junk(install, tmp_path):
    install.run("init")
    (tmp_path / "exists").write_text("x")
    cp = install.run("backup", str(tmp_path / "exists"), check=False)
    assert cp.returncode == 2 and "already exists" in cp.stderr
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    cp = install.run("restore", str(junk), "--yes", check=False)
    assert cp.returncode == 2 and "not an SQLite database" in cp.stderr
    cp = install.run("restore", str(junk), check=False)
    assert cp.returncode == 2 and "--yes" in cp.stderr


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="only meaningful on PostgreSQL")
def test_backup_on_postgresql_points_to_pg_dump(install, tmp_path):
    install.run("init")
    cp = install.run("backup", str(tmp_path / "x"), check=False)
    assert cp.returncode == 2 and "pg_dump" in cp.stderr
