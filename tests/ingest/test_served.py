"""The report endpoint as `typodesk serve` runs it: a real server process with production settings
(Django's async-safety check on), sites with several domains and with `www.` handled as one."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SHELL = """
from typodesk.sites.models import Domain, Site, create_site
news = create_site("News", ["news.example"])
Site.objects.filter(pk=news.pk).update(www_alias=True)
group = create_site("Group", ["paper.example", "*.regional.example", "other.example"])
print(news.public_key, group.public_key)
"""


def send(url: str, data: bytes, headers: dict | None = None, method: str = "POST"):
    request = urllib.request.Request(
        url, data, {"Content-Type": "text/plain", **(headers or {})}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def report(key: str, url: str, n: int = 0) -> bytes:
    quote = {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7 + n, "end": 10 + n}
    return json.dumps({"site": key, "url": url, "quote": quote, "comment": f"reader {n}"}).encode()


@pytest.fixture
def served(install):
    install.env.update(TYPODESK_RATE_BURST="1000", TYPODESK_RATE_PER_MINUTE="1000")
    install.run("init")
    news, group = install.run("manage", "shell", "--no-imports", "-c", SHELL).stdout.split()
    proc, url = install.serve()
    return install, proc, url, news, group


def test_the_server_runs_with_djangos_async_safety_check_on(served):
    _, proc, _, _, _ = served
    environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
    assert not any(v.startswith(b"DJANGO_ALLOW_ASYNC_UNSAFE=") for v in environ)


def test_a_www_site_takes_reports_from_both_names_again_and_again(served):
    install, _, url, news, _ = served
    # Many reports in a row: each one used to double the site's cached host list.
    for n in range(40):
        host = "www.news.example" if n % 2 else "news.example"
        status, headers, body = send(
            url + "/api/v1/reports", report(news, f"https://{host}/story", n), {"Origin": f"https://{host}"}
        )
        assert status == 201, body
        assert headers["access-control-allow-origin"] == f"https://{host}"
    status, _, body = send(url + "/api/v1/reports", report(news, "https://www.www.news.example/story"))
    assert status == 403 and json.loads(body)["field"] == "url"


def test_preflight_and_orphus_know_the_www_twin_and_every_domain_of_a_site(served):
    _, _, url, news, group = served
    for origin in ("https://www.news.example", "https://paper.example", "https://baku.regional.example"):
        status, headers, _ = send(url + "/api/v1/reports", None, {"Origin": origin}, method="OPTIONS")
        assert status == 204 and headers["access-control-allow-origin"] == origin
    status, headers, _ = send(
        url + "/api/v1/reports", None, {"Origin": "https://evil.example"}, method="OPTIONS"
    )
    assert status == 204 and "access-control-allow-origin" not in headers
    form = (
        b"version=5.01&ref=https%3A%2F%2Fwww.news.example%2Fold&c_pre=It+was+&c_sel=teh&c_suf=+best&comment="
    )
    status, _, body = send(url + "/orphus", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b"Thank you" in body
    for page in ("https://other.example/a", "https://quba.regional.example/b"):
        status, _, body = send(url + "/api/v1/reports", report(group, page))
        assert status == 201, body
    status, _, body = send(url + "/api/v1/reports", report(group, "https://news.example/a"))
    assert status == 403


def test_reports_sent_together_are_each_stored_once(served):
    install, _, url, news, _ = served

    def one(n: int):
        return send(url + "/api/v1/reports", report(news, f"https://news.example/s{n % 5}", n))

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(120)))
    assert [a[0] for a in answers] == [201] * 120
    ids = [json.loads(a[2])["id"] for a in answers]
    assert len(set(ids)) == 120
    count = install.run(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from typodesk.findings.models import Report; print(Report.objects.count())",
    )
    assert int(count.stdout) == 120


def test_refusal_counts_are_written_when_the_server_processes_stop(install):
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    proc, url = install.serve("--workers", "2")
    for n in range(30):
        assert send(url + "/api/v1/reports", b'{"site": "' + key.encode() + b'", "quote": ')[0] == 400
        assert send(url + "/api/v1/reports", report("nosuchsite", "https://news.example/a", n))[0] == 403
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    out = install.run(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from typodesk.ingest.refusals import totals; import json; print(json.dumps(totals()))",
    )
    assert json.loads(out.stdout) == {"bad_body": 30, "unknown_site": 30}
