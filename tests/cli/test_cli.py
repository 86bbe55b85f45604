"""The admin commands, run as a deployment script would run them: in a subprocess."""

from __future__ import annotations

import json

PASSWORD = "a-long-test-password\n"


def test_init_is_idempotent(install):
    first = install.run("init")
    assert "ready" in first.stdout
    assert install.run("init").returncode == 0
    if "DATABASE_URL" not in install.env:
        assert (install.data_dir / "typodesk.sqlite3").exists()
        assert (install.data_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_is_generated_once_and_kept(install):
    install.run("init")
    key = (install.data_dir / "secret_key").read_text()
    install.run("init")
    assert (install.data_dir / "secret_key").read_text() == key
    assert len(key.strip()) >= 50


def test_createuser_and_site_add_print_a_key(install):
    install.run("init")
    install.run("createuser", "Owner@News.Example", "--password-stdin", input=PASSWORD)
    cp = install.run(
        "site",
        "add",
        "News",
        "--domain",
        "news.example",
        "--domain",
        "www.news.example",
        "--owner",
        "owner@news.example",
    )
    lines = cp.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) >= 12 and " " not in lines[0]
    listed = install.run("site", "list").stdout
    assert lines[0] in listed and "news.example,www.news.example" in listed


def one_line_error(cp, *words):
    assert cp.returncode == 2, (cp.returncode, cp.stdout, cp.stderr)
    assert cp.stdout == ""
    err = cp.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    for w in words:
        assert w in err, err


def test_errors_are_one_line_and_exit_2(install):
    install.run("init")
    one_line_error(install.run("frobnicate", check=False), "invalid choice")
    one_line_error(install.run("site", "add", "X", check=False), "--domain")
    one_line_error(install.run("site", "add", "X", "--domain", "not a domain", check=False), "domain")
    one_line_error(
        install.run("site", "add", "X", "--domain", "x.example", "--owner", "ghost@x.example", check=False),
        "ghost@x.example",
    )
    one_line_error(install.run("export", "--site", "nope", check=False), "nope")
    one_line_error(install.run("export", "--site", "nope", "--format", "xml", check=False), "xml")
    one_line_error(
        install.run("createuser", "not-an-email", "--password-stdin", input=PASSWORD, check=False), "e-mail"
    )
    one_line_error(
        install.run("createuser", "a@x.example", "--password-stdin", input="short\n", check=False), "password"
    )
    one_line_error(install.run("createuser", "a@x.example", input="", check=False), "--password-stdin")
    install.run("createuser", "a@x.example", "--password-stdin", input=PASSWORD)
    one_line_error(
        install.run("createuser", "a@x.example", "--password-stdin", input=PASSWORD, check=False), "exists"
    )
    one_line_error(install.run("serve", "--port", "70000", check=False), "port")


def test_commands_refuse_an_uninitialised_database(install):
    one_line_error(install.run("site", "add", "X", "--domain", "x.example", check=False), "typodesk init")


def test_bad_settings_are_a_clear_error(install):
    install.env["TYPODESK_BASE_URL"] = "desk.example"
    one_line_error(install.run("init", check=False), "TYPODESK_BASE_URL")


def test_export_json_has_every_finding_with_its_reports(install):
    import urllib.request

    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    _, url = install.serve()

    def send(exact, start, suggestion):
        data = {
            "site": key,
            "url": "https://news.example/a",
            "title": "Story «quoted»",
            "quote": {
                "exact": exact,
                "prefix": "p",
                "suffix": "s",
                "start": start,
                "end": start + len(exact),
            },
            "suggestion": suggestion,
        }
        req = urllib.request.Request(
            url + "/api/v1/reports", json.dumps(data).encode(), {"Content-Type": "text/plain"}
        )
        return json.load(urllib.request.urlopen(req))

    send("teh", 3, "the")
    send("teh", 3, "the")
    send("Bakı", 20, "Baku")
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    assert doc["format"] == "typodesk-findings" and doc["site"]["key"] == key
    assert [f["quote"]["exact"] for f in doc["findings"]] == ["teh", "Bakı"]
    first = doc["findings"][0]
    assert first["report_count"] == 2 and len(first["reports"]) == 2
    assert first["reports"][0]["suggestion"] == "the" and first["title"] == "Story «quoted»"
    assert first["status"] == "new" and first["url"] == "https://news.example/a"


def test_serve_stops_cleanly_on_sigterm(install):
    import signal
    import urllib.request

    install.run("init")
    proc, url = install.serve()
    with urllib.request.urlopen(url + "/widget.js") as r:
        assert r.headers["Content-Type"].startswith("text/javascript")
        assert "max-age" in r.headers["Cache-Control"] and r.headers["ETag"]
    with urllib.request.urlopen(url + "/static/desk/desk.css") as r:
        assert r.status == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    out = proc.stdout.read()
    assert "Traceback" not in out and "Finished server process" in out


def test_serve_with_several_worker_processes_accepts_reports(install):
    """`serve --workers 2`: each process imports typodesk.asgi afresh (it once failed there,
    importing models before Django was set up); both serve reports and the desk."""
    import signal
    import urllib.request

    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    proc, url = install.serve("--workers", "2")
    ids = set()
    for i in range(6):
        data = {
            "site": key,
            "url": "https://news.example/a",
            "quote": {"exact": "teh", "prefix": "p", "suffix": "s", "start": 3, "end": 6},
            "comment": f"reader {i}",
        }
        req = urllib.request.Request(
            url + "/api/v1/reports", json.dumps(data).encode(), {"X-Forwarded-For": f"192.0.2.{i}"}
        )
        with urllib.request.urlopen(req) as r:
            assert r.status == 201
            ids.add(json.load(r)["id"])
    with urllib.request.urlopen(url + "/desk/login/") as r:
        assert r.status == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert "Traceback" not in proc.stdout.read()
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    assert len(ids) == 6 and doc["findings"][0]["report_count"] == 6


def _server_processes(parent: int) -> list[int]:
    """The spawned server processes of a `serve --workers N` parent."""
    from pathlib import Path

    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"multiprocessing" in cmdline and b"spawn_main" in cmdline:
            out.append(int(stat.parent.name))
    return sorted(out)


def _sockets(pid: int) -> int:
    from pathlib import Path

    n = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            n += fd.readlink().name.startswith("socket:")
        except OSError:
            pass
    return n


def test_serve_workers_spread_connections_over_the_processes(install):
    """Each process listens on a socket of its own (SO_REUSEPORT): connections opened together
    reach both processes instead of mostly the one that woke first; a process that dies is
    replaced and the server goes on answering."""
    import http.client
    import os
    import signal

    from tests.waiting import wait_until

    install.run("init")
    proc, url = install.serve("--workers", "2")
    port = int(url.rsplit(":", 1)[1])
    children = _server_processes(proc.pid)
    assert len(children) == 2, children
    before = {pid: _sockets(pid) for pid in children}
    conns = []
    for _ in range(24):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/healthz")
        assert c.getresponse().read() is not None
        conns.append(c)
    gained = {pid: _sockets(pid) - before[pid] for pid in children}
    # 24 connections hashed over two sockets: all on one would happen about once in 8 million.
    assert all(n >= 1 for n in gained.values()), gained
    assert sum(gained.values()) >= 24, gained
    for c in conns:
        c.close()

    os.kill(children[0], signal.SIGKILL)
    wait_until(
        lambda: (now := _server_processes(proc.pid)) and len(now) == 2 and children[0] not in now,
        message="two server processes again, a new one in place of the killed one",
    )
    for _ in range(10):  # every connection is answered, whichever socket it lands on
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        c.request("GET", "/healthz")
        assert c.getresponse().status == 200
        c.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not _server_processes(proc.pid)


def test_serve_workers_on_a_port_in_use_is_a_one_line_error(install):
    import socket

    install.run("init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cp = install.run("serve", "--port", str(port), "--workers", "2", check=False)
    one_line_error(cp, f"127.0.0.1:{port}", "in use")


def test_log_level_is_case_insensitive_and_checked(install):
    install.env["TYPODESK_LOG_LEVEL"] = "warning"
    assert install.run("init").returncode == 0
    install.env["TYPODESK_LOG_LEVEL"] = "chatty"
    one_line_error(install.run("init", check=False), "TYPODESK_LOG_LEVEL")
