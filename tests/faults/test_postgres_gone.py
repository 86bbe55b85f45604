"""PostgreSQL goes away during a flood of reports, and comes back.

A real ``typodesk serve`` and ``typodesk worker`` on a PostgreSQL database of this test's own;
four clients send reports as fast as they are answered. For a few seconds the database refuses
new connections (``ALTER DATABASE … ALLOW_CONNECTIONS false``) and its backends are terminated
(``pg_terminate_backend``) again and again, as when PostgreSQL restarts; only this test's
database is touched, never the shared server. Meanwhile a reader in Chromium reports a mistake
through the widget on a test page.

What must hold: every answer is a 201 or a 503 with Retry-After (never a 500, never no answer);
every 201 is stored, once; the reader's report is kept in the browser and stored after the
database is back (on the reader's next page view); stored = acknowledged + resent, no duplicate;
the server recovers without a restart; the worker stays up and delivers every notification.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.e2e.pageserver import PageServer
from tests.faults.common import Flood, check_counts, get, spawn, stored_comments, wait_healthy
from tests.notify.receivers import HttpReceiver, wait_for
from tests.widget.helpers import DIALOG, QUEUED

pytestmark = [pytest.mark.slow, pytest.mark.browser]

BASE = os.environ.get("DATABASE_URL", "")
if not BASE.startswith(("postgres://", "postgresql://")):
    pytestmark.append(pytest.mark.skip(reason="PostgreSQL going away needs DATABASE_URL=postgres://…"))

OUTAGE = 6.0  # seconds without the database: longer than the site cache's 5 s
ARTICLE = "<!doctype html><html lang='en'><body><article><p>Readers find teh mistake here.</p></article>{tag}</body></html>"
SELECT = """() => {
  const t = document.querySelector('article p').firstChild;
  const at = t.data.indexOf('teh');
  const r = document.createRange(); r.setStart(t, at); r.setEnd(t, at + 3);
  getSelection().removeAllRanges(); getSelection().addRange(r);
}"""


def sql(url: str, query: str, args=()) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, args)
        return cur.fetchall() if cur.description else []


def test_reports_survive_postgresql_going_away(install, context):
    db_url = install.env["DATABASE_URL"]
    dbname = db_url.rsplit("/", 1)[1]
    receiver = HttpReceiver().start()
    install.env.update(
        TYPODESK_RATE_BURST="1000000",
        TYPODESK_DB_POOL_TIMEOUT="2",
        TYPODESK_ALLOW_PRIVATE_TARGETS="true",
        TYPODESK_FETCH_FIRST_DELAY="3600",
        TYPODESK_NOTIFY_GROUP_SECONDS="0",
    )
    install.run("init")
    key = install.add_site("localhost", webhook=f"{receiver.url}/hook")
    server = spawn(install, "serve", "serve", "--port", str(port := _port()))
    base = f"http://127.0.0.1:{port}"
    worker = spawn(install, "worker", "worker")
    wait_healthy(base, server)

    tag = f'<script src="{base}/widget.js" data-site="{key}" defer></script>'
    flood = Flood(base, key, "http://localhost/story")
    try:
        with PageServer({"/article.html": ARTICLE.format(tag=tag)}) as site:
            article = site.url("/article.html")
            page = context.new_page()
            widget_answers: list[int] = []  # what the reader's browser was answered

            def answered(response) -> None:
                if response.url.endswith("/api/v1/reports"):
                    widget_answers.append(response.status)

            page.on("response", answered)
            page.goto(article)
            page.wait_for_function("() => window.typodesk")
            flood.start()
            time.sleep(1.5)

            sql(BASE, f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
            down_at = time.monotonic()
            terminated = 0
            browser_done = False
            while time.monotonic() - down_at < OUTAGE:
                terminated += len(
                    sql(
                        BASE,
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        [dbname],
                    )
                )
                if not browser_done and time.monotonic() - down_at > 1:
                    # The reader reports a mistake while the database is away.
                    page.evaluate(SELECT)
                    page.keyboard.press("Control+Enter")
                    dialog = page.locator(DIALOG)
                    dialog.wait_for(state="visible", timeout=5000)
                    page.keyboard.type("the")
                    page.wait_for_timeout(1600)  # a person reads the dialog over before sending
                    page.keyboard.press("Control+Enter")
                    expect(dialog.get_by_role("status")).to_have_text(QUEUED, timeout=15000)
                    kept = page.evaluate(
                        "() => JSON.parse(localStorage.getItem('typodesk-queue') || '[]').length"
                    )
                    assert kept == 1, "the widget did not keep the report it could not send"
                    page.keyboard.press("Escape")
                    browser_done = True
                time.sleep(0.1)
            assert browser_done
            health_down = get(base + "/healthz")[0]
            # A page of Django's (what the widget asks about its site) is a 503 too, not a 500.
            widget_site = _status_and_retry(f"{base}/widget/site/{key}")
            preflight = _status_and_retry(
                urllib.request.Request(
                    base + "/api/v1/reports", method="OPTIONS", headers={"Origin": "http://elsewhere.example"}
                )
            )[0]
            sql(BASE, f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
            up_at = time.monotonic()
            wait_for(lambda: flood.first_ack_after(up_at), timeout=30)
            recovered = flood.first_ack_after(up_at) - up_at
            time.sleep(1.0)

            # The reader's next page view sends the kept report.
            page.goto(article)
            page.wait_for_function("() => localStorage.getItem('typodesk-queue') === null", timeout=15000)
    finally:
        flood.stop()

    assert server.poll() is None, "the server died"
    assert worker.poll() is None, "the worker died"
    assert health_down == 503, "/healthz said healthy without its database"
    assert widget_site == (503, "5"), f"GET /widget/site/KEY without the database: {widget_site}"
    assert preflight == 204, f"a preflight without the database: {preflight}"
    stored = stored_comments(install, key)
    browser_reports = [c for c in stored if c == ""]  # the widget's report has no comment
    acked = set(flood.acked)
    doubles = [c for c, n in Counter(stored).items() if n > 1 and c]
    print(
        f"sent {flood.sent + 1} (flood {flood.sent}, browser 1), acknowledged {len(acked)}, "
        f"503 {flood.statuses[503]}, other answers {dict(flood.statuses)}, resent by the browser "
        f"{len(browser_reports)}, stored {len(stored)}, duplicates {len(doubles)}, backends terminated "
        f"{terminated}, time to recover {recovered:.2f} s; the widget's answers {widget_answers}"
    )
    assert set(flood.statuses) <= {201, 503}, f"answers other than 201 and 503: {dict(flood.statuses)}"
    assert flood.without_retry_after == 0, "a 503 without Retry-After"
    assert flood.statuses[503] > 0, "the outage refused nothing: it did not happen"
    assert not doubles, f"{len(doubles)} reports stored twice"
    assert not acked - set(stored), f"{len(acked - set(stored))} acknowledged reports were lost"
    assert len(browser_reports) == 1, "the reader's kept report was not stored exactly once"
    assert len(stored) == len(acked) + len(browser_reports), "a report answered 503 was stored"
    check_counts(install, key)
    assert recovered < 10

    # The worker carries on: every notification is delivered, each message once.
    def undelivered() -> int:
        return sql(
            db_url,
            "SELECT count(*) FROM notify_notification n LEFT JOIN notify_message m ON m.id = n.message_id"
            " WHERE m.id IS NULL OR m.status <> 'sent'",
        )[0][0]

    wait_for(lambda: undelivered() == 0, timeout=40, interval=0.5)
    uids = [r.headers["webhook-id"] for r in receiver.received()]
    sent_messages = sql(db_url, "SELECT uid FROM notify_message WHERE status = 'sent'")
    print(f"notifications: messages sent {len(sent_messages)}, webhooks received {len(uids)}")
    assert sorted(uids) == sorted(u for (u,) in sent_messages), "a message was delivered twice or not at all"
    receiver.stop()


def _status_and_retry(url: str | urllib.request.Request) -> tuple[int, str | None]:
    try:
        with urllib.request.urlopen(url, timeout=15) as r:
            return r.status, r.headers.get("Retry-After")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After")


def _port() -> int:
    from tests.conftest import free_port

    return free_port()
