"""Ingestion benchmark: typodesk's report endpoint beside Isso 0.14 and a minimal asyncio server.

    .venv/bin/python bench/ingest_bench.py [--duration 5] [--repeats 3] [--connections 64] [--skip-isso]

Everything runs on 127.0.0.1, one server at a time, with the same load generator (wrk, driven by
bench/loadgen.lua, which counts answers by status code): the same small JSON report POSTed by
64 connections for ``--duration`` seconds, ``--repeats`` times; the table shows medians. After
each server's runs the stored rows are counted and compared with the 201s.

Rows:
  minimal (NORMAL / FULL)  bench/minimal_server.py: asyncio, SQLite WAL, INSERT + COMMIT per request
  Isso 0.14                bench/isso_run.py: gunicorn 4 workers, SQLite (throw-away virtualenv)
  typodesk accepted        limits raised: `serve --with-worker` (the one-machine default, one process;
                           its dictionary for spelling suggestions loads during the run) on SQLite,
                           then on PostgreSQL (a new database on $TYPODESK_BENCH_DATABASE_URL's
                           server, default postgres://postgres@127.0.0.1:5432/test; --skip-postgres),
                           then `serve` + `typodesk worker` and `serve --workers 2` + worker on SQLite
  typodesk refused: …      default limits: one client over its rate limit (429), with the same body
                           each time and with every body different, an unknown site key (403), a
                           malformed body (400)
The minimal server and typodesk's accepted rows get a different body in every request (the same
mistake, each reader's own comment or address), as readers send them.
Then a flood: one client at full speed over its limit while an ordinary reader (from 127.0.0.2)
sends 20 reports: how many of them got in, and their p99; and an editor, logged in to the desk
(from 127.0.0.3, through /desk/login/ with its CSRF token), loads the inbox (/desk/, a site of
``--desk-findings`` seeded findings) again and again: median and p95 of the GET's wall time on
127.0.0.1, before the flood and during it.
Memory: RSS of the serve and worker processes, idle and the highest seen under load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LUA = HERE / "loadgen.lua"
TYPODESK = [sys.executable, "-m", "typodesk"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str, body: bytes, args, headers: str = "") -> dict:
    """One bounded wrk run; returns counts by status, requests/s and latency percentiles (ms)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(body)
    # A body holding @@N@@ is sent with a number of its own each time (bench/loadgen.lua).
    env = {**os.environ, "WRK_BODY_FILE": f.name, "WRK_HEADERS": headers}
    env["WRK_VARY"] = "1" if VARY in body else ""
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s"]
    out = subprocess.run([*cmd, "-s", str(LUA), url], env=env, capture_output=True, text=True, timeout=120)
    os.unlink(f.name)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line[8:])
    seconds = data["duration_us"] / 1e6
    codes = {int(k): v for k, v in data["codes"].items()}
    return {
        "codes": codes,
        "rps": data["requests"] / seconds,
        "p50": data["p50_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "errors": data["errors"] - sum(v for k, v in codes.items() if k >= 400),
    }


def repeat(url: str, body: bytes, args, status: int, headers: str = "") -> dict:
    runs = [wrk(url, body, args, headers) for _ in range(args.repeats)]
    return {
        "rps": statistics.median(r["codes"].get(status, 0) / args.duration for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "count": sum(r["codes"].get(status, 0) for r in runs),
        "other": sum(sum(v for k, v in r["codes"].items() if k != status) for r in runs)
        + sum(r["errors"] for r in runs),
    }


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process started under it (serve --workers N spawns its servers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


class RssWatch:
    """The highest sum of the processes' RSS while running: ``groups`` maps a name ("serve",
    "worker") to a process; each counts with its descendants."""

    def __init__(self, groups: dict[str, int]):
        self.groups, self.peak, self._stop = groups, 0.0, threading.Event()
        self.peaks = dict.fromkeys(groups, 0.0)  # each group's own highest
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.2):
            now = {name: sum(rss_mb(p) for p in descendants(pid)) for name, pid in self.groups.items()}
            self.peak = max(self.peak, sum(now.values()))
            self.peaks = {name: max(self.peaks[name], now[name]) for name in now}

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


# The servers ------------------------------------------------------------------------------


def bench_minimal(args, sync: str, results: dict) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="typodesk-bench-min-"))
    port = free_port()
    db = tmp / "min.sqlite3"
    cmd = [sys.executable, str(HERE / "minimal_server.py"), "--port", str(port), "--db", str(db)]
    proc = subprocess.Popen([*cmd, "--synchronous", sync], stdout=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        r = repeat(f"http://127.0.0.1:{port}/", REPORT, args, 201)
    finally:
        stop([proc])
    con = sqlite3.connect(db)
    r["stored"] = con.execute("SELECT count(*) FROM report").fetchone()[0]
    con.close()
    shutil.rmtree(tmp)
    results[f"minimal asyncio + SQLite WAL, synchronous={sync}"] = r


def bench_isso(args, results: dict) -> None:
    sys.path.insert(0, str(HERE))
    import isso_run

    procs, url, body = isso_run.start(free_port(), free_port())
    try:
        before = isso_run.stored()
        r = repeat(url, body, args, 201)
        r["stored"] = isso_run.stored() - before
    finally:
        isso_run.stop(procs)
    results["Isso 0.14, gunicorn 4 workers, SQLite"] = r


class Typodesk:
    """A fresh data directory (and PostgreSQL database, with ``database``), one site, `typodesk
    serve` and, unless ``with_worker``, `typodesk worker`."""

    def __init__(
        self, env_extra: dict, with_worker: bool = False, desk_findings: int = 0, extra=(), database: str = ""
    ):
        self.tmp = Path(tempfile.mkdtemp(prefix="typodesk-bench-"))
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("TYPODESK_") and k != "DATABASE_URL"
        }
        self.env.update(TYPODESK_DATA_DIR=str(self.tmp / "data"), TYPODESK_SECRET_KEY="bench", **env_extra)
        self.database = ""
        if database:
            import psycopg

            name = f"typodesk_bench_{os.getpid()}_{int(time.time())}"
            with psycopg.connect(database, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.server_url, self.database = database, database.rsplit("/", 1)[0] + "/" + name
            self.env["DATABASE_URL"] = self.database
        subprocess.run([*TYPODESK, "init"], env=self.env, check=True, capture_output=True)
        out = subprocess.run(
            [*TYPODESK, "site", "add", "News", "--domain", "news.example"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.key = out.stdout.strip()
        if desk_findings:
            self.add_desk(desk_findings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        serve = [*TYPODESK, "serve", "--port", str(self.port)] + (["--with-worker"] if with_worker else [])
        serve += [x for x in extra if x]
        self.serve = subprocess.Popen(serve, env=self.env, stdout=subprocess.DEVNULL)
        self.worker = None
        if not with_worker:
            self.worker = subprocess.Popen([*TYPODESK, "worker"], env=self.env, stdout=subprocess.DEVNULL)
        self.groups = {"serve": self.serve.pid}
        if self.worker is not None:
            self.groups["worker"] = self.worker.pid
        wait_http(self.url + "/healthz")

    def rss(self) -> dict[str, float]:
        """RSS of each group now (MB), the server with any processes it started."""
        return {name: sum(rss_mb(p) for p in descendants(pid)) for name, pid in self.groups.items()}

    def add_desk(self, findings: int) -> None:
        """An editor (DESK_USER, a member of every site) and a site of ``findings`` seeded findings."""
        subprocess.run(
            [*TYPODESK, "createuser", DESK_USER, "--password-stdin"],
            env=self.env,
            input=DESK_PASSWORD + "\n",
            check=True,
            capture_output=True,
            text=True,
        )
        cmd = [sys.executable, "-c", SEED_DESK, str(HERE), str(findings), DESK_USER]
        subprocess.run(cmd, env=self.env, check=True, capture_output=True)

    def stored(self, url_like: str = "%") -> int:
        if self.database:
            import psycopg

            with psycopg.connect(self.database) as conn:
                sql = "SELECT count(*) FROM findings_report WHERE url LIKE %s"
                return conn.execute(sql, (url_like,)).fetchone()[0]
        con = sqlite3.connect(self.tmp / "data" / "typodesk.sqlite3")
        try:
            sql = "SELECT count(*) FROM findings_report WHERE url LIKE ?"
            return con.execute(sql, (url_like,)).fetchone()[0]
        finally:
            con.close()

    def close(self) -> None:
        stop([p for p in (self.serve, self.worker) if p is not None])
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.database:
            import psycopg

            with psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database.rsplit("/", 1)[1]}" WITH (FORCE)')


def report(key: str, **over) -> bytes:
    data = {
        "site": key,
        "url": "https://news.example/2026/lighthouse",
        "title": "Lighthouse reopens",
        "lang": "en",
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best of times", "start": 7, "end": 10},
        "suggestion": "the",
        "comment": "",
    }
    data.update(over)
    return json.dumps(data).encode()


VARY = b"@@N@@"
# Accepted reports are all different, as readers' are: the same mistake, each reader's comment.
REPORT = report("0123456789abcdef", comment="reader @@N@@")
# typodesk's accepted reports differ by the reader's address (validated, not kept: the bench's
# site does not keep addresses). A comment of its own for every one of tens of thousands of
# reports of one finding would grow that finding's search vector on PostgreSQL by a new word each
# time (findings_finding_search), which readers' comments, from a common vocabulary, do not.
READER = {"email": "reader-@@N@@@news.example"}
HIGH = str(10**9)
DESK_USER = "editor@bench.example"
DESK_PASSWORD = "bench-editor-password-1"
# Run in a subprocess with the bench's environment: seed findings, make the editor a member of every site.
SEED_DESK = """
import sys
sys.path.insert(0, sys.argv[1])
import seed
seed._setup_django()
from django.contrib.auth import get_user_model
from typodesk.sites.models import Membership, Site
seed.seed(int(sys.argv[2]), 3 * int(sys.argv[2]), sites=1)
user = get_user_model().objects.get(email=sys.argv[3])
for site in Site.objects.all():
    Membership.objects.get_or_create(site=site, user=user, defaults={"role": "editor"})
"""


DEFAULT_ROW = "typodesk accepted, serve --with-worker (the one-machine default), SQLite"
POSTGRES_ROW = "typodesk accepted, serve --with-worker, PostgreSQL"
ACCEPTED_ROWS = {
    # (row, label for the ratios, memory key, Typodesk keywords)
    DEFAULT_ROW: ("serve --with-worker", "one_", {"with_worker": True}),
    POSTGRES_ROW: ("serve --with-worker, PostgreSQL", "pg_", {"with_worker": True, "database": "postgres"}),
    "typodesk accepted, serve + worker, SQLite": ("serve + worker", "", {}),
    "typodesk accepted, serve --workers 2 + worker, SQLite": (
        "serve --workers 2 + worker",
        "w2_",
        {"extra": ("--workers", "2")},
    ),
}


def bench_typodesk(args, results: dict, memory: dict) -> None:
    limits = {}
    for name in ("RATE", "SITE_RATE", "GLOBAL_RATE"):
        limits[f"TYPODESK_{name}_BURST"] = HIGH
        limits[f"TYPODESK_{name}_PER_MINUTE"] = HIGH
    limits["TYPODESK_MIN_MS"] = "0"
    for row, (_, key, options) in ACCEPTED_ROWS.items():
        options = dict(options)
        if options.get("database"):
            if args.skip_postgres:
                continue
            options["database"] = args.postgres
        # The first report makes a finding, whose spelling suggestion loads the language's
        # dictionary during the run (as on a server's first report after a restart); the measured
        # ones are further reports of it, each reader's own.
        td = Typodesk(limits, **options)
        try:
            time.sleep(1)
            idle = td.rss()
            memory[key + "idle"], memory[key + "idle_each"] = sum(idle.values()), idle
            url = td.url + "/api/v1/reports"
            urllib.request.urlopen(urllib.request.Request(url, report(td.key)), timeout=10)
            with RssWatch(td.groups) as watch:
                r = repeat(url, report(td.key, **READER), args, 201)
            memory[key + "load"], memory[key + "load_each"] = watch.peak, watch.peaks
            r["stored"] = td.stored() - 1
            results[row] = r
        finally:
            td.close()

    td = Typodesk({"TYPODESK_MIN_MS": "0"}, desk_findings=args.desk_findings)  # default limits
    try:
        url = td.url + "/api/v1/reports"
        with RssWatch(td.groups) as watch:
            results["typodesk refused: rate limit (429)"] = repeat(url, report(td.key), args, 429)
            # A flood whose every body differs: nothing learnt from one request serves the next.
            results["typodesk refused: rate limit (429), every body different"] = repeat(
                url, report(td.key, comment="bot @@N@@"), args, 429
            )
            results["typodesk refused: unknown site (403)"] = repeat(url, report("nosuchsite"), args, 403)
            results["typodesk refused: bad body (400)"] = repeat(url, b'{"site": "x", "quote": ', args, 400)
            memory["flood"] = watch.peak
            results["_flood"] = flood(td, args)
        for name in list(results):
            if name.startswith("typodesk refused"):
                results[name]["stored"] = None
    finally:
        td.close()


class DeskSession:
    """An editor in the desk, from 127.0.0.3: logs in with a real POST, then loads the inbox."""

    def __init__(self, td: Typodesk):
        import httpx

        transport = httpx.HTTPTransport(local_address="127.0.0.3")
        self.client = httpx.Client(base_url=td.url, transport=transport, timeout=30)
        page = self.client.get("/desk/login/")
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or not m:
            raise RuntimeError(f"desk login page: {page.status_code}, no CSRF token")
        form = {"csrfmiddlewaretoken": m.group(1), "username": DESK_USER, "password": DESK_PASSWORD}
        answer = self.client.post("/desk/login/", data=form)
        if answer.status_code != 302 or "/login" in answer.headers.get("location", ""):
            raise RuntimeError(f"desk login refused: {answer.status_code} {answer.text[:300]}")
        self.times: list[float] = []
        self.server: list[float] = []
        self.failed = 0

    def inbox(self) -> None:
        t = time.perf_counter()
        r = self.client.get("/desk/")
        elapsed = (time.perf_counter() - t) * 1000
        if r.status_code != 200 or "/desk/login/" in str(r.url):
            self.failed += 1
            return
        self.times.append(elapsed)
        # A Server-Timing header, if a proxy or middleware adds one: its first "dur".
        m = re.search(r"dur=([0-9.]+)", r.headers.get("server-timing", ""))
        if m:
            self.server.append(float(m.group(1)))

    def loop(self, done: threading.Event, pause: float = 0.05) -> None:
        while not done.is_set():
            self.inbox()
            done.wait(pause)

    def summary(self) -> dict:
        times = sorted(self.times)
        out = {"count": len(times), "failed": self.failed, "median": 0.0, "p95": 0.0}
        if times:
            out["median"] = statistics.median(times)
            out["p95"] = times[min(len(times) - 1, int(len(times) * 0.95))]
        if self.server:
            out["server_median"] = statistics.median(self.server)
        return out


def flood(td: Typodesk, args) -> dict:
    """One client floods (over its limit) while an ordinary reader, from 127.0.0.2, sends 20,
    and an editor loads the desk's inbox again and again."""
    done = threading.Event()
    desk = DeskSession(td)
    # The inbox without a flood, for comparison (the first load warms the caches).
    desk.inbox()
    desk.times.clear()
    desk.server.clear()
    quiet_until = time.monotonic() + min(3, args.duration)
    while time.monotonic() < quiet_until:
        desk.inbox()
        time.sleep(0.05)
    desk_quiet = desk.summary()
    desk.times, desk.server, desk.failed = [], [], 0
    outcome = {"sent": 0, "accepted": 0, "latencies": []}

    def second_client():
        while not done.is_set():
            t = time.monotonic()
            conn = socket.create_connection(
                ("127.0.0.1", td.port), timeout=10, source_address=("127.0.0.2", 0)
            )
            body = report(td.key, url=f"https://news.example/other-{outcome['sent']}")
            conn.sendall(
                b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
            conn.close()
            outcome["sent"] += 1
            outcome["accepted"] += answer.startswith(b"HTTP/1.1 201")
            if not answer.startswith(b"HTTP/1.1 201"):
                outcome.setdefault("refused", []).append(answer.split(b"\r\n\r\n")[-1][:200])
            outcome["latencies"].append((time.monotonic() - t) * 1000)
            done.wait(pace)

    # An ordinary reader: 20 reports over the flood, within the default limit (burst 30).
    pace = args.duration / 20
    t = threading.Thread(target=second_client)
    desk_thread = threading.Thread(target=desk.loop, args=(done,))
    before = td.stored("%/other-%")
    t.start()
    desk_thread.start()
    r = wrk(td.url + "/api/v1/reports", report(td.key), args)
    done.set()
    t.join()
    desk_thread.join()
    desk.client.close()
    lat = sorted(outcome["latencies"])
    return {
        "flood_rps": r["rps"],
        "flood_429": r["codes"].get(429, 0),
        "second_sent": outcome["sent"],
        "second_accepted": outcome["accepted"],
        "second_stored": td.stored("%/other-%") - before,
        "second_p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0,
        "second_refused": outcome.get("refused", []),
        "desk_quiet": desk_quiet,
        "desk_flood": desk.summary(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    p.add_argument("--repeats", type=int, default=3, help="runs per row; the table shows medians")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--skip-isso", action="store_true", help="no Isso row (it needs PyPI the first time)")
    p.add_argument("--only-typodesk", action="store_true", help="typodesk's rows only (tuning)")
    p.add_argument("--skip-postgres", action="store_true", help="no PostgreSQL row")
    p.add_argument(
        "--postgres",
        default=os.environ.get("TYPODESK_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server (URL of a database on it) where the bench makes a database of its own",
    )
    p.add_argument(
        "--desk-findings", type=int, default=10_000, help="findings seeded for the inbox during the flood"
    )
    args = p.parse_args()
    if not shutil.which("wrk"):
        p.error("wrk is needed: apt-get install wrk")
    if not 1 <= args.duration <= 60 or not 1 <= args.repeats <= 10:
        p.error("--duration 1..60 and --repeats 1..10 keep a run bounded")

    results: dict = {}
    memory: dict = {}
    if not args.only_typodesk:
        bench_minimal(args, "NORMAL", results)
        bench_minimal(args, "FULL", results)
    if not (args.skip_isso or args.only_typodesk):
        bench_isso(args, results)
    bench_typodesk(args, results, memory)
    flood_result = results.pop("_flood")

    print(f"\n{args.connections} connections, {args.repeats} × {args.duration} s runs, medians; ", end="")
    print(f"{os.cpu_count()} CPUs, wrk -t{args.threads}\n")
    print("| server | answers/s | p50 ms | p99 ms | answered | stored | other answers |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        stored = ""
        if r.get("stored") is not None:
            # Requests in flight when wrk stops are stored but not counted as answered.
            ok = "every 201 stored" if r["stored"] >= r["count"] else f"{r['count'] - r['stored']} 201s LOST"
            stored = f"{r['stored']:,} ({ok})"
        print(
            f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['count']:,} "
            f"| {stored} | {r['other']} |"
        )
    accepted = {label: results[row]["rps"] for row, (label, _, _) in ACCEPTED_ROWS.items() if row in results}
    acc = results[DEFAULT_ROW]["rps"]
    print()
    isso = results.get("Isso 0.14, gunicorn 4 workers, SQLite")
    if isso:
        ratios = ", ".join(f"{v / isso['rps']:.1f}× ({k})" for k, v in accepted.items())
        print(f"typodesk accepted / Isso: {ratios}")
    for sync in ("NORMAL", "FULL") if not args.only_typodesk else ():
        ref = results[f"minimal asyncio + SQLite WAL, synchronous={sync}"]["rps"]
        print(
            f"typodesk accepted / minimal (synchronous={sync}): "
            + ", ".join(f"{100 * v / ref:.0f} % ({k})" for k, v in accepted.items())
        )
    for name, r in results.items():
        if name.startswith("typodesk refused"):
            what = name.removeprefix("typodesk refused: ")
            print(f"{what} / accepted (serve --with-worker): {r['rps'] / acc:.1f}×")
    f = flood_result
    print(
        f"\nflood: one client at {f['flood_rps']:,.0f} requests/s ({f['flood_429']:,} × 429); "
        f"a second client sent {f['second_sent']}, {f['second_accepted']} accepted, "
        f"{f['second_stored']} stored, "
        f"p99 {f['second_p99']:.1f} ms"
    )
    for answer in f["second_refused"][:3]:
        print(f"  second client refused: {answer.decode(errors='replace')}")
    for when, d in (("without a flood", f["desk_quiet"]), ("during the flood", f["desk_flood"])):
        server = f", Server-Timing median {d['server_median']:.1f} ms" if "server_median" in d else ""
        print(
            f"desk inbox (/desk/, {args.desk_findings:,} findings) {when}: {d['count']} loads, "
            f"median {d['median']:.1f} ms, p95 {d['p95']:.1f} ms (wall time on 127.0.0.1){server}"
            + (f", {d['failed']} FAILED" if d["failed"] else "")
        )

    def each(d: dict) -> str:
        return " + ".join(f"{name} {mb:.0f}" for name, mb in d.items())

    for what, key, _ in ACCEPTED_ROWS.values():
        if key + "idle" not in memory:
            continue
        idle, load = memory[key + "idle"], memory[key + "load"]
        print(
            f"memory (RSS, {what}): idle {idle:.0f} MB ({each(memory[key + 'idle_each'])}), "
            f"accepted load {load:.0f} MB (highest of each: {each(memory[key + 'load_each'])})"
        )
    print(f"memory (RSS, serve + worker) during the refusal floods: {memory['flood']:.0f} MB")


if __name__ == "__main__":
    main()
