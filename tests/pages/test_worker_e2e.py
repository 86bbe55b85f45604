"""The whole loop with real processes: `typodesk serve`, readers' reports over HTTP, the newsroom's
pages on a local web server, `typodesk worker` processes reading them, and the CMS calling the
recheck API after it publishes a fix. Runs on SQLite (a real file, shared by the processes) and,
in the PostgreSQL pass, on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.conftest import TYPODESK
from tests.pages.conftest import STORY, quote_in
from tests.pages.siteserver import SiteServer

pytestmark = pytest.mark.slow


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def query(install, sql: str) -> list[tuple]:
    """Read the installation's database directly, whichever it is."""
    url = install.env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(install.data_dir / "typodesk.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def worker(install, concurrency: int = 1) -> None:
    cp = subprocess.run(
        [*TYPODESK, "worker", "--once", "--concurrency", str(concurrency)],
        env=install.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cp.returncode == 0, cp.stderr


def test_workers_read_reported_pages_once_each_and_the_cms_recheck_verifies_a_fix(install):
    install.env.update(
        TYPODESK_ALLOW_PRIVATE_TARGETS="1",
        TYPODESK_FETCH_FIRST_DELAY="0",
        TYPODESK_FETCH_PER_SITE="2",
        TYPODESK_LOG_LEVEL="WARNING",
    )
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "localhost").stdout.strip()
    token = install.run("site", "token", key).stdout.strip()
    assert token.startswith("tds_")
    _proc, base = install.serve()
    with SiteServer() as site:
        quote = quote_in(STORY, "teh")
        for i in range(6):
            site.pages[f"/story-{i}"] = STORY
            site.delay[f"/story-{i}"] = 0.3
            status, _ = post(
                base + "/api/v1/reports",
                {
                    "site": key,
                    "url": site.url(f"/story-{i}"),
                    "lang": "en",
                    "quote": {
                        "exact": quote.exact,
                        "prefix": quote.prefix,
                        "suffix": quote.suffix,
                        "start": quote.start,
                        "end": quote.end,
                    },
                },
            )
            assert status == 201
        # Four worker threads, two requests at most at a time on the site, each page read once.
        worker(install, concurrency=4)
        hits = sorted(r["path"] for r in site.requests if r["path"].startswith("/story-"))
        assert hits == [f"/story-{i}" for i in range(6)]
        assert site.peak <= 2
        assert query(install, "SELECT COUNT(*) FROM pages_pagecheck WHERE last_status = 200") == [(6,)]

        # The newsroom fixes story 0 and its CMS says so.
        site.pages["/story-0"] = STORY.replace("teh best", "the best")
        url = f"{base}/api/v1/sites/{key}/recheck"
        status, body = post(url, {"url": site.url("/story-0")}, {"Authorization": "Bearer nope"})
        assert status == 401
        status, body = post(url, {"url": site.url("/story-0")}, {"Authorization": f"Bearer {token}"})
        assert (status, body["scheduled"], body["findings"]) == (202, True, 1)
        worker(install)
    rows = query(
        install,
        "SELECT p.url, f.status, f.verification, f.replacement FROM findings_finding f "
        "JOIN findings_page p ON p.id = f.page_id ORDER BY p.url",
    )
    assert rows[0][1:] == ("fixed", "fixed_on_page", "the")
    assert all(r[1:3] == ("new", "none") for r in rows[1:])
    suggestions = query(install, "SELECT DISTINCT spell_status FROM findings_finding")
    assert "pending" not in {s for (s,) in suggestions}  # the worker computed them
