"""Every query parameter of the desk and of the token API, fuzzed against a real server by a
logged-in user: a value the page cannot use is a 400 with a message, never a 500.

The desk has no machine-readable description, so each of its parameters gets a fixed corpus
of hostile values (broken URLs, dates at the ends of the calendar, numbers past 64 bits,
cursors that overflow, the strings of tests/security/hostile.py, bytes that are not UTF-8).
The token API is fuzzed by Schemathesis from its OpenAPI description, as test_api_fuzz does
for the report API, and gets the same corpus on its query parameters.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.security.hostile import string_corpus
from tests.security.served import serve

pytestmark = pytest.mark.slow

EDGES = [
    "",
    " ",
    "https://[",
    "http://[::1",
    "https://[::1]:99999/",
    "https://news.example:0/",
    "https://news.example:-1/",
    "https://user@/",
    "http://",
    "//news.example/story",
    "https://news.example/story",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2025-02-30",
    "99999-01-01",
    "1970-01-01T00:00:00+99:00",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "1.1.9999999999999999999",
    "9999999999.9999999999999999999.1",
    "0.-9999999999999999999.1",
    "1.99999999999999999.9223372036854775807",
    "n.-9999999999999999999.1",
    "p.1.1.0.1",
    "p.9223372036854775808.1.0.1",
    "page",
    "oldest",
    "all",
    "1",
]
RAW = ["%ff%fe", "%00", "%ed%a0%80", "%c0%af", "a%20" * 600]


def values() -> list[str]:
    """Each value already encoded for a query string."""
    return [quote(v, safe="") for v in EDGES + string_corpus()] + RAW


DESK = {
    "/desk/": [
        "site",
        "status",
        "sort",
        "page",
        "lang",
        "since",
        "until",
        "suggested",
        "q",
        "after",
        "before",
        "at",
    ],
    "/desk/inbox.csv": ["site", "status", "sort", "page", "lang", "since", "until", "suggested", "q"],
    "/desk/inbox.json": ["site", "status", "sort", "page", "lang", "since", "until", "suggested", "q"],
    "/desk/findings/1/": ["reports"],
    "/desk/login/": ["next"],
}
API = {
    "/api/v1/findings": [
        "site",
        "status",
        "sort",
        "page",
        "url",
        "lang",
        "since",
        "until",
        "suggested",
        "q",
        "limit",
        "cursor",
    ],
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A served instance on a database of its own (own_database: PostgreSQL when DATABASE_URL is set)."""
    yield from serve(tmp_path_factory.mktemp("fuzz"))


def _fuzz(client, pages: dict[str, list[str]], **kw) -> list[str]:
    failures = []
    for path, params in pages.items():
        for param in params:
            for value in values():
                try:
                    r = client.get(f"{path}?{param}={value}", **kw)
                except httpx.HTTPError as exc:  # a stream cut short by an error on the server
                    failures.append(f"{type(exc).__name__} {path}?{param}={value[:80]}")
                    continue
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} {path}?{param}={value[:80]}")
    return failures


def test_the_attackers_four_inputs_are_a_clear_400(served):
    desk = served.login()
    for path in ("/desk/", "/desk/inbox.csv", "/desk/inbox.json"):
        r = desk.get(path, params={"page": "https://["})
        assert r.status_code == 400, (path, r.status_code)
        assert "full address like https://news.example/story" in r.text
    r = desk.get("/desk/", params={"until": "9999-12-31"})
    assert r.status_code == 400 and "“To”" in r.text
    r = desk.get("/desk/findings/1/", params={"reports": "99999999999999999999"})
    assert r.status_code == 400 and "page of reports" in r.text
    r = desk.get(
        "/api/v1/findings", params={"url": "https://["}, headers={"Authorization": f"Bearer {served.token}"}
    )
    assert r.status_code == 400 and r.json()["field"] == "url"


def test_no_desk_query_parameter_gives_a_500(served):
    assert _fuzz(served.login(), DESK) == []


def test_no_api_query_parameter_gives_a_500(served):
    auth = {"Authorization": f"Bearer {served.token}"}
    assert _fuzz(served.client(), API, headers=auth) == []
    assert _fuzz(served.client(), {f"/api/v1/sites/{served.key}/export": ["format"]}, headers=auth) == []


def test_schemathesis_finds_nothing_in_the_token_apis_reads(served):
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    cp = subprocess.run(
        [
            st,
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{served.base}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {served.token}",
            "--include-method",
            "GET",
            "--max-examples",
            "60",
            "--seed",
            "20261205",
            "--checks",
            "not_a_server_error",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=served.install.env,
    )
    assert cp.returncode == 0, cp.stdout[:6000] + cp.stderr[-2000:]
    assert "passed" in cp.stdout
