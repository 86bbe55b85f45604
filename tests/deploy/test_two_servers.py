"""The production layout on one machine: two ``typodesk serve`` and two ``typodesk worker`` processes
against one fresh PostgreSQL database (and one Redis), reports sent to both servers at once.

What must hold (issue 8, "More than one machine"): every report answered 201 is stored exactly once;
reports of the same mistake sent through different servers are one finding with the right count;
every notification is delivered exactly once although two workers compete for them; a reader over
the rate limit is refused after the budget of both servers together, not of each; and /metrics
gives the same numbers whichever server answers. The deployment runs twice: with the rate-limit
buckets in the database, and with them in Redis (``TYPODESK_REDIS_URL``).

Everything listens on 127.0.0.1. Readers are told apart by ``X-Forwarded-For`` (the servers trust
127.0.0.1 as their reverse proxy, as behind nginx); no packet goes to those addresses.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message

import pytest

from tests.conftest import TYPODESK, Install, clean_env, free_port
from tests.notify.receivers import HttpReceiver, wait_for
from tests.waiting import wait_for_health

pytestmark = pytest.mark.slow

BASE = os.environ.get("DATABASE_URL", "")
if not BASE.startswith(("postgres://", "postgresql://")):
    pytestmark = [
        pytestmark,
        pytest.mark.skip(
            reason="the two-server deployment needs PostgreSQL: set DATABASE_URL=postgres://… "
            "(scripts/test does in its PostgreSQL pass)"
        ),
    ]

BURST = 4  # reports one reader may send at once (TYPODESK_RATE_BURST), across all servers
PAGES = ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b")
# (page, exact, start): four mistakes; the first is reported by every reader at the same moment.
MISTAKES = [(PAGES[0], "teh", 7), (PAGES[0], "recieve", 30), (PAGES[1], "teh", 7), (PAGES[1], "wierd", 12)]


def redis_backend_missing() -> str | None:
    """Why the Redis run cannot happen here, or None."""
    try:
        from typodesk.ingest import ratelimit

        if not hasattr(ratelimit, "_take_redis"):
            return "this version keeps rate-limit buckets in the database only"
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at 127.0.0.1:6379 is not usable: {exc}"
    return None


@dataclass
class Deployment:
    install: Install
    db_url: str
    backend: str
    receiver: HttpReceiver
    servers: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    site_key: str = ""
    redis_prefix: str = ""

    def sql(self, query: str, args=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(query, args).fetchall()


def _log(install: Install, name: str):
    """The process's log file, beside its data directory (shown when a test fails)."""
    return open(install.data_dir.parent / f"{name}.log", "w")  # noqa: SIM115 - the process keeps it


def logs(install: Install) -> str:
    """Tracebacks the servers and workers logged; a failing assertion shows them."""
    out = []
    for path in sorted(install.data_dir.parent.glob("*.log")):
        text = path.read_text(errors="replace")
        if "Traceback" in text:
            out.append(f"--- {path.name}\n{text[-4000:]}")
    return "\n".join(out) or "(no traceback in the logs)"


def _start_servers(install: Install, n: int) -> list[str]:
    """``n`` servers started at once, each on its own port; returns their base URLs when all answer."""
    started = []
    for i in range(n):
        port = free_port()
        proc = subprocess.Popen(
            [*TYPODESK, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=install.env,
            stdout=subprocess.DEVNULL,
            stderr=_log(install, f"serve-{i + 1}"),
            text=True,
        )
        install.procs.append(proc)
        started.append((proc, f"http://127.0.0.1:{port}"))
    for proc, url in started:
        wait_for_health(url, proc, output=lambda: logs(install))
    return [url for _, url in started]


@pytest.fixture(scope="module", params=["database", "redis"])
def deployment(request, tmp_path_factory):
    backend = request.param
    if backend == "redis" and (why := redis_backend_missing()):
        pytest.skip(why)
    import psycopg

    name = "typodesk_deploy_" + secrets.token_hex(5)
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = BASE.rsplit("/", 1)[0] + "/" + name
    data = tmp_path_factory.mktemp("deploy") / "data"
    env = clean_env()
    env.update(
        DATABASE_URL=db_url,
        PYTHONUNBUFFERED="1",
        TYPODESK_DATA_DIR=str(data),
        TYPODESK_SECRET_KEY=secrets.token_urlsafe(32),  # one key for every process, as in production
        TYPODESK_DB_POOL_SIZE="4",
        TYPODESK_DB_POOL_TIMEOUT="3",
        TYPODESK_TRUSTED_PROXIES="127.0.0.1",
        TYPODESK_RATE_BURST=str(BURST),
        TYPODESK_RATE_PER_MINUTE="1",
        TYPODESK_ALLOW_PRIVATE_TARGETS="true",
        # The pages are on 127.0.0.1 and are not read before the test ends: no fetch at all.
        TYPODESK_FETCH_FIRST_DELAY="3600",
        TYPODESK_NOTIFY_GROUP_SECONDS="1",
        TYPODESK_WORKER_LEASE_SECONDS="30",
    )
    prefix = ""
    if backend == "redis":
        prefix = f"typodesk-test-{secrets.token_hex(4)}:"  # parallel runs share the Redis server
        env.update(TYPODESK_REDIS_URL="redis://127.0.0.1:6379/0", TYPODESK_REDIS_PREFIX=prefix)
    install = Install(env=env, data_dir=data)
    receiver = HttpReceiver().start()
    dep = Deployment(install, db_url, backend, receiver, redis_prefix=prefix)
    try:
        install.run("init")
        dep.site_key = install.add_site("127.0.0.1", webhook=f"{receiver.url}/hook")
        for i in range(2):
            proc = subprocess.Popen(
                [*TYPODESK, "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=_log(install, f"worker-{i + 1}"),
            )
            install.procs.append(proc)
            dep.workers.append(proc)
        dep.servers = _start_servers(install, 2)
        yield dep
    finally:
        install.stop()
        receiver.stop()
        with psycopg.connect(BASE, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if prefix:
            import redis

            client = redis.Redis(host="127.0.0.1", port=6379)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)


def send(server: str, key: str, reader: str, mistake: tuple[str, str, int]) -> tuple[int, dict, Message]:
    """One reader's report through one server: (status, JSON body, headers)."""
    url, exact, start = mistake
    body = {
        "site": key,
        "url": url,
        "title": "A story",
        "quote": {
            "exact": exact,
            "prefix": "It was ",
            "suffix": " best",
            "start": start,
            "end": start + len(exact),
        },
        "suggestion": "fixed",
    }
    req = urllib.request.Request(
        server + "/api/v1/reports",
        json.dumps(body).encode(),
        {"Content-Type": "text/plain", "X-Forwarded-For": reader},
    )
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.load(r), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), e.headers


def metrics(server: str) -> dict[str, float]:
    with urllib.request.urlopen(server + "/metrics", timeout=10) as r:
        text = r.read().decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


@pytest.fixture(scope="module")
def traffic(deployment):
    """Readers report through both servers at once; returns every accepted report by id."""
    dep = deployment
    a, b = dep.servers
    readers = [f"203.0.113.{i}" for i in range(1, 13)]
    accepted: dict[int, tuple] = {}
    statuses: list[int] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def one(server, reader, mistake):
        status, body, _ = send(server, dep.site_key, reader, mistake)
        with lock:
            statuses.append(status)
            if status != 201:
                refusals.append(body.get("error"))
            if status == 201:
                assert body["id"] not in accepted, f"report id {body['id']} answered twice"
                accepted[body["id"]] = (mistake, body["finding"])
        return status, body

    # Wave 1: every reader reports the same mistake at the same moment, half through each server.
    barrier = threading.Barrier(len(readers))

    def together(i, reader):
        barrier.wait(10)
        return one(dep.servers[i % 2], reader, MISTAKES[0])

    with ThreadPoolExecutor(len(readers)) as pool:
        list(pool.map(together, range(len(readers)), readers))
    # Wave 2: two more reports each, of any of the other mistakes, through either server, at once.
    rng = random.Random(8)
    jobs = [
        (rng.choice(dep.servers), reader, rng.choice(MISTAKES[1:])) for reader in readers for _ in range(2)
    ]
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda job: one(*job), jobs))
    assert statuses == [201] * len(statuses), (
        f"a reader within the limit was refused: {refusals}\n{logs(dep.install)}"
    )

    # One reader over the limit, alternating servers: the budget is shared, not per server.
    flood = []
    for i in range(2 * BURST):
        status, body, headers = send(dep.servers[i % 2], dep.site_key, "198.51.100.99", MISTAKES[3])
        flood.append((status, headers))
        if status == 201:
            accepted[body["id"]] = (MISTAKES[3], body["finding"])
    return accepted, flood


def test_every_accepted_report_is_stored_exactly_once(deployment, traffic):
    accepted, _ = traffic
    rows = deployment.sql(
        "SELECT r.id, p.url, r.exact, r.start, r.finding_id FROM findings_report r "
        "JOIN findings_finding f ON f.id = r.finding_id JOIN findings_page p ON p.id = f.page_id"
    )
    assert len(rows) == len(accepted) == 12 * 3 + BURST
    stored = {row[0]: ((row[1], row[2], row[3]), row[4]) for row in rows}
    assert stored == accepted, "every 201 is one stored report, with what was sent and its finding"


def test_findings_are_grouped_across_servers(deployment, traffic):
    accepted, _ = traffic
    expected = Counter(mistake for mistake, _ in accepted.values())
    rows = deployment.sql(
        "SELECT p.url, f.exact, f.start, f.report_count, "
        "(SELECT count(*) FROM findings_report r WHERE r.finding_id = f.id) "
        "FROM findings_finding f JOIN findings_page p ON p.id = f.page_id"
    )
    found = {(url, exact, start): (count, real) for url, exact, start, count, real in rows}
    assert len(rows) == len(MISTAKES), f"one finding per mistake, whichever server took it: {rows}"
    assert found[MISTAKES[0]] == (12, 12), "the 12 simultaneous reports through both servers: one finding"
    for mistake, n in expected.items():
        assert found[mistake] == (n, n), mistake
    # Both servers answered with the same finding id for the same mistake.
    ids = {}
    for mistake, finding in accepted.values():
        assert ids.setdefault(mistake, finding) == finding


def test_rate_limit_holds_across_both_servers(deployment, traffic):
    _, flood = traffic
    assert [s for s, _ in flood] == [201] * BURST + [429] * BURST, (
        "the reader's budget is spent once across both servers, not once per server"
    )
    assert all(int(h.get("Retry-After", "0")) >= 1 for s, h in flood if s == 429), "429 says when to retry"
    buckets = deployment.sql("SELECT count(*) FROM ingest_ratebucket")[0][0]
    if deployment.backend == "redis":
        import redis

        keys = list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(match=deployment.redis_prefix + "*"))
        assert keys, "the buckets are in Redis"
        assert buckets == 0, "no bucket in the database when Redis holds them"
    else:
        assert buckets >= 13, "one bucket per reader in the database"


def test_each_notification_is_delivered_exactly_once(deployment, traffic):
    accepted, _ = traffic
    dep = deployment

    def settled():
        unsent = dep.sql("SELECT count(*) FROM notify_notification WHERE message_id IS NULL")[0][0]
        waiting = dep.sql("SELECT count(*) FROM notify_message WHERE status <> 'sent'")[0][0]
        messages = dep.sql("SELECT count(*) FROM notify_message")[0][0]
        return unsent == 0 and waiting == 0 and len(dep.receiver.received()) >= messages

    wait_for(settled, timeout=40, interval=0.2)
    time.sleep(1.0)  # a second delivery of any message, if there were one, would arrive now
    received = dep.receiver.received()
    uids = {row[0] for row in dep.sql("SELECT uid FROM notify_message")}
    ids = [r.headers["webhook-id"] for r in received]
    assert len(ids) == len(set(ids)) == len(uids) and set(ids) == uids, "each message sent once"
    events = []
    for r in received:
        body = r.json
        events += body["data"]["events"] if body["type"] == "batch" else [body]
    # Every report is news: the first of a finding as "created", the others as "reported".
    reports = Counter(e["data"]["report"]["id"] for e in events)
    assert sorted(reports) == sorted(accepted) and set(reports.values()) == {1}, "each notification once"
    created = Counter(e["data"]["finding"]["id"] for e in events if e["type"] == "finding.created")
    assert sorted(created) == sorted({f for _, f in accepted.values()}) and set(created.values()) == {1}
    notifications = dep.sql("SELECT count(*) FROM notify_notification")[0][0]
    assert len(events) == notifications == len(accepted)


def test_metrics_agree_on_every_server(deployment, traffic):
    accepted, flood = traffic
    a, b = deployment.servers
    # Each server writes its own refusal counts when scraped; the last scrape sees both.
    metrics(a), metrics(b)
    seen = [metrics(a), metrics(b)]
    for m in seen:
        # Report ids handed out (docs/operations.md). A group that met the other server's in a
        # deadlock is rolled back and stored again one report at a time, and the ids its INSERT
        # took are not given back: each acknowledged report uses one id, or two at most.
        assert len(accepted) <= m["typodesk_reports_accepted_total"] <= 2 * len(accepted)
        assert m['typodesk_findings{status="new"}'] == len(MISTAKES)
        assert m['typodesk_reports_refused_total{reason="rate_client"}'] == sum(s == 429 for s, _ in flood)
        assert m['typodesk_queue_depth{queue="messages"}'] == 0
        assert m["typodesk_workers_alive"] == 2
    # The same numbers from either server (less what moves by itself: ages, timings, the spell
    # checker, the free space on the disk).
    moving = ("heartbeat", "scrape", 'queue="spelling"', "free_bytes")
    steady = [{k: v for k, v in m.items() if not any(x in k for x in moving)} for m in seen]
    assert steady[0] == steady[1]


def test_healthz_answers_503_on_every_server_when_the_database_is_gone(deployment, traffic):
    """Last: it takes the database away. A load balancer then stops sending to these servers."""
    import psycopg

    name = deployment.db_url.rsplit("/", 1)[1]
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    for server in deployment.servers:
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(server + "/healthz", timeout=20)
        assert exc.value.code == 503
        assert json.loads(exc.value.read())["status"] == "error"
    for proc in deployment.workers:  # the workers keep running and retrying; they stop on SIGTERM
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
