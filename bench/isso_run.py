"""Isso 0.14 (the Python comment server) as bench/ingest_bench.py's peer, in a throw-away virtualenv.

``start(port)`` installs isso==0.14.0 and gunicorn into /tmp/typodesk-bench-isso (once; from
PyPI), writes a config (SQLite, no moderation, its rate-limiting guard off so that one client
may post at full speed, like typodesk's accepted-reports run), serves a page for its thread from
a local static server, and starts gunicorn with 4 sync workers on 127.0.0.1. Never a typodesk
dependency.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

VENV = Path("/tmp/typodesk-bench-isso")
WORK = Path("/tmp/typodesk-bench-isso-run")


def install() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "isso==0.14.0", "gunicorn"], check=True, timeout=600
        )
    return python


def start(port: int, page_port: int) -> tuple[list[subprocess.Popen], str, bytes]:
    """Start Isso; returns (processes, the URL to POST to, the JSON body of one comment)."""
    install()
    if WORK.exists():
        for f in WORK.iterdir():
            f.unlink()
    WORK.mkdir(exist_ok=True)
    (WORK / "a.html").write_text(
        "<html><head><title>A story</title></head><body><h1>A story</h1></body></html>"
    )
    conf = WORK / "isso.cfg"
    conf.write_text(
        "\n".join(
            [
                "[general]",
                f"dbpath = {WORK / 'comments.db'}",
                f"host = http://127.0.0.1:{page_port}/",
                "[moderation]",
                "enabled = false",
                "[guard]",
                "enabled = false",
                "[server]",
                f"listen = http://127.0.0.1:{port}/",
                "",
            ]
        )
    )
    pages = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(page_port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(WORK),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {"ISSO_SETTINGS": str(conf), "PATH": f"{VENV / 'bin'}:/usr/bin:/bin"}
    server = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "isso.run",
        ],
        env=env,
        cwd=str(WORK),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/new?uri=%2Fa.html"
    body = json.dumps({"text": "There is a typo: teh instead of the.", "author": "Reader"}).encode()
    deadline = time.monotonic() + 60
    while True:
        try:
            req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status in (201, 202):
                    break
        except OSError:
            if time.monotonic() > deadline:
                stop([pages, server])
                raise RuntimeError("Isso did not start") from None
            time.sleep(0.3)
    return [pages, server], url, body


def stored(extra: int = 0) -> int:
    import sqlite3

    db = sqlite3.connect(WORK / "comments.db")
    try:
        return db.execute("SELECT count(*) FROM comments").fetchone()[0] - extra
    finally:
        db.close()


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
