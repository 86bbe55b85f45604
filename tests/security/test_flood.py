"""One client floods the report endpoint far over its limit while other readers keep reporting:
the flooder gets 429s with Retry-After, every other reader's report gets in, and every report
answered 201 is stored. A real ``typodesk serve`` on 127.0.0.1 behind a (simulated) trusted proxy
that names each client in X-Forwarded-For; bounded to a few seconds of traffic."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit

FLOOD_REQUESTS = 1500
READERS = 6
REPORTS_EACH = 4
BURST = 5


def _send(conn: http.client.HTTPConnection, key: str, client: str, tag: str, n: int) -> tuple[int, dict]:
    body = {
        "site": key,
        "url": f"https://news.example/story-{n % 7}",
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7 + n, "end": 10 + n},
        "comment": tag,
    }
    conn.request(
        "POST",
        "/api/v1/reports",
        json.dumps(body),
        {"Content-Type": "application/json", "X-Forwarded-For": client},
    )
    r = conn.getresponse()
    data = r.read()
    return r.status, {"retry": r.getheader("Retry-After"), "body": data}


def test_one_flooding_client_does_not_keep_others_out(install):
    install.env.update(
        TYPODESK_RATE_BURST=str(BURST),
        TYPODESK_RATE_PER_MINUTE="60",
        TYPODESK_TRUSTED_PROXIES="127.0.0.1",
    )
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    _, base = install.serve()
    host, port = urlsplit(base).hostname, urlsplit(base).port
    acked: list[str] = []
    flood = {"sent": 0, "201": 0, "429": 0, "other": 0}
    readers = {"sent": 0, "201": 0, "other": []}
    lock = threading.Lock()
    flooding = threading.Event()

    def flooder() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        flooding.set()
        for i in range(FLOOD_REQUESTS):
            tag = "flood-" + uuid.uuid4().hex
            status, info = _send(conn, key, "203.0.113.66", tag, i)
            with lock:
                flood["sent"] += 1
                if status == 201:
                    flood["201"] += 1
                    acked.append(tag)
                elif status == 429:
                    flood["429"] += 1
                    assert int(info["retry"]) >= 1
                    assert "Too many reports from your connection" in json.loads(info["body"])["error"]
                else:
                    flood["other"] += 1
        conn.close()

    def reader(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        flooding.wait(10)
        for i in range(REPORTS_EACH):
            tag = f"reader-{n}-{i}-" + uuid.uuid4().hex
            status, info = _send(conn, key, f"198.51.100.{n + 1}", tag, 100 + 10 * n + i)
            with lock:
                readers["sent"] += 1
                if status == 201:
                    readers["201"] += 1
                    acked.append(tag)
                else:
                    readers["other"].append((status, info["body"][:200]))
            time.sleep(0.05)
        conn.close()

    threads = [threading.Thread(target=flooder)] + [
        threading.Thread(target=reader, args=(n,)) for n in range(READERS)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    took = time.monotonic() - started
    print(
        f"flood: sent {flood['sent']}, 201 {flood['201']}, 429 {flood['429']}; "
        f"readers: sent {readers['sent']}, 201 {readers['201']}; {took:.1f} s"
    )
    assert flood["sent"] == FLOOD_REQUESTS and flood["other"] == 0
    # The flooder gets its burst and what refills meanwhile (1 a second), nothing more.
    assert BURST <= flood["201"] <= BURST + int(took) + 1
    assert flood["429"] == FLOOD_REQUESTS - flood["201"]
    # Everyone else got in, every time.
    assert readers["other"] == [] and readers["201"] == READERS * REPORTS_EACH

    # Every report answered 201 is stored, exactly once.
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    stored = [r["comment"] for f in doc["findings"] for r in f["reports"]]
    assert sorted(stored) == sorted(acked)
