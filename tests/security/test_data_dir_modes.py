"""The data directory and its files are private to the account that runs typodesk: the
database (password hashes, TOTP and webhook secrets, readers' reports), its -wal and -shm
files, the generated secret key and backups. The attacker found them 0644 in a 0755 directory.

Both tests run the real CLI and server under the usual umask (022), with which files are
world-readable unless typodesk makes them otherwise.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.request

import pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the SQLite files; on PostgreSQL the database is not in the data directory",
)
PASSWORD = "owner-password-for-tests"


@pytest.fixture(autouse=True)
def usual_umask():
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path) -> str:
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def report(base: str, key: str) -> None:
    body = {"site": key, "url": "https://news.example/a", "quote": {"exact": "teh", "start": 0, "end": 3}}
    req = urllib.request.Request(
        base + "/api/v1/reports", json.dumps(body).encode(), {"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201


def test_a_new_data_directory_and_its_files_are_private(install, tmp_path):
    install.run("init")
    install.run("createuser", "owner@news.example", "--password-stdin", input=PASSWORD + "\n")
    key = install.run(
        "site", "add", "News", "--domain", "news.example", "--owner", "owner@news.example"
    ).stdout.strip()
    _, base = install.serve()
    report(base, key)  # the server writes: the -wal and -shm files exist now
    data = install.data_dir
    inside, outside = data / "before-upgrade.sqlite3", tmp_path / "elsewhere.sqlite3"
    install.run("backup", str(inside))
    install.run("backup", str(outside))
    assert mode(data) == "0o700"
    files = ["typodesk.sqlite3", "typodesk.sqlite3-wal", "typodesk.sqlite3-shm", "secret_key"]
    assert {f: mode(data / f) for f in files} == dict.fromkeys(files, "0o600")
    assert (mode(inside), mode(outside)) == ("0o600", "0o600")


def test_init_makes_an_existing_world_readable_data_directory_private(install):
    install.run("init")
    install.run("backup", str(install.data_dir / "nightly.sqlite3"))
    data = install.data_dir
    data.chmod(0o755)  # as earlier versions left it
    for f in data.iterdir():
        f.chmod(0o644)
    cp = install.run("init")
    assert f"made the directory {data} private" in cp.stderr
    assert f"made the file {data / 'typodesk.sqlite3'} private" in cp.stderr
    assert mode(data) == "0o700"
    assert {f.name: mode(f) for f in data.iterdir()} == {f.name: "0o600" for f in data.iterdir()}
    assert {"typodesk.sqlite3", "secret_key", "nightly.sqlite3"} <= {f.name for f in data.iterdir()}
    # Run again: nothing left to change, nothing said.
    assert "private" not in install.run("init").stderr
