"""Domain take-over, driven as the attack was, against `typodesk serve`.

Two sites with different owners. The owner of the second site tries to add the first site's
domain to their own (which used to succeed and route the first site's Orphus reports, with the
readers' comments, and its CORS answers to them), then adds a domain of their own: it waits,
matching nothing, until its verification file is served and **Check now** finds it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.pages.siteserver import SiteServer

pytestmark = pytest.mark.slow

PASSWORD = "a-long-test-password"
STORY = "<html><body><article><p>It was teh best of times.</p></article></body></html>"


def send(url: str, data: bytes | None, headers: dict, method: str = "POST"):
    request = urllib.request.Request(url, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def widget_report(desk: str, key: str, page: str, origin: str):
    body = {
        "site": key,
        "url": page,
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7, "end": 10},
        "comment": "a reader's comment",
    }
    return send(
        desk + "/api/v1/reports",
        json.dumps(body).encode(),
        {"Content-Type": "text/plain", "Origin": origin},
    )


def orphus_report(desk: str, page: str):
    form = {"version": "5.01", "ref": page, "c_pre": "It was ", "c_sel": "teh", "c_suf": " best"}
    form["comment"] = "a reader's comment, for the newsroom only"
    return send(
        desk + "/orphus", urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )


def preflight(desk: str, origin: str):
    return send(desk + "/api/v1/reports", None, {"Origin": origin}, method="OPTIONS")


@pytest.fixture
def two_sites(install):
    with SiteServer() as pages:
        pages.pages["/story"] = STORY
        install.env.update(
            TYPODESK_ALLOW_PRIVATE_TARGETS="1",  # the pages are on 127.0.0.1
            TYPODESK_DOMAIN_CHECK_PORT=str(pages.port),
            TYPODESK_RATE_BURST="1000",
            TYPODESK_RATE_PER_MINUTE="1000",
        )
        install.run("init")
        for who in ("a@news.example", "b@other.example"):
            install.run("createuser", who, "--password-stdin", input=PASSWORD + "\n")
        a = install.run("site", "add", "News", "--domain", "*.news.example", "--owner", "a@news.example")
        b = install.run("site", "add", "Other", "--domain", "other.example", "--owner", "b@other.example")
        _, desk = install.serve()
        yield {"desk": desk, "a": a.stdout.strip(), "b": b.stdout.strip(), "pages": pages, "install": install}


def reports_by_site(install) -> dict:
    out = install.run(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "import json; from typodesk.findings.models import Report; "
        "print(json.dumps([[r.finding.site.public_key, r.url] for r in Report.objects.order_by('pk')]))",
    )
    return json.loads(out.stdout)


def test_another_sites_domain_is_refused_and_a_new_one_counts_only_once_proved(two_sites, page):
    desk, a, b, pages = two_sites["desk"], two_sites["a"], two_sites["b"], two_sites["pages"]
    page.goto(desk + "/desk/login/")
    page.get_by_label("E-mail").fill("b@other.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/desk/")
    page.goto(f"{desk}/desk/sites/{b}/")

    # Site A's domains, exactly and inside its wildcard: refused, with a message that says why.
    for taken, message in (
        ("news.example", "news.example overlaps *.news.example, a verified domain of another site"),
        ("live.news.example", "live.news.example overlaps *.news.example"),
        ("*.news.example", "*.news.example is already a verified domain of another site"),
    ):
        page.get_by_label("Domain", exact=True).fill(taken)
        page.get_by_role("button", name="Add domain").click()
        assert message in page.locator("section[aria-labelledby=h-domains] form.inline").inner_text()
    assert "live.news.example" not in page.locator("table.domains").inner_text()
    # Site A still takes the Orphus reports from its pages.
    status, _, body = orphus_report(desk, "https://live.news.example/story")
    assert status == 200 and "Thank you" in body

    # A domain of B's own: added, waiting, and matching nothing yet.
    page.get_by_label("Domain", exact=True).fill("localhost")
    page.get_by_role("button", name="Add domain").click()
    row = page.locator("table.domains tr", has_text="localhost").first
    assert "Waiting for verification" in row.inner_text()
    how = page.locator("tr.domain-how").first
    file_url = f"https://localhost:{pages.port}/.well-known/typodesk-verification.txt"
    assert file_url in how.inner_text()
    token = how.locator("code.snippet").first.inner_text().strip()
    assert len(token) == 32
    meta = how.locator("code.snippet").nth(1).inner_text()
    assert meta == f'<meta name="typodesk-verification" content="{token}">'
    assert how.get_by_role("button", name="Copy").count() == 2

    story = f"http://localhost:{pages.port}/story"
    origin = f"http://localhost:{pages.port}"
    status, headers, body = widget_report(desk, b, story, origin)
    assert status == 403 and "access-control-allow-origin" not in headers, body
    status, _, body = orphus_report(desk, story)
    assert status == 403 and "not on a domain of any site" in body
    assert "access-control-allow-origin" not in preflight(desk, origin)[1]

    # Check now before the proof is there: still waiting, and the page says what was found.
    how.get_by_role("button", name="Check localhost now").click()
    assert "localhost is not verified yet" in page.locator("body").inner_text()
    row = page.locator("table.domains tr", has_text="localhost").first
    assert "Waiting for verification" in row.inner_text()
    assert "typodesk-verification.txt: the site answered HTTP 404" in row.inner_text()
    assert "Last checked" in row.inner_text()

    # The proof is served: Check now verifies the domain, and its reports count from then on.
    pages.pages["/.well-known/typodesk-verification.txt"] = token + "\n"
    pages.types["/.well-known/typodesk-verification.txt"] = "text/plain; charset=utf-8"
    page.locator("tr.domain-how").first.get_by_role("button", name="Check localhost now").click()
    assert "localhost is verified" in page.locator("body").inner_text()
    row = page.locator("table.domains tr", has_text="localhost").first
    assert "Verified" in row.inner_text() and page.locator("tr.domain-how").count() == 0
    assert pages.hits("/.well-known/typodesk-verification.txt")
    assert pages.hits("/robots.txt"), "the check obeys robots.txt as the page reader does"

    status, headers, body = widget_report(desk, b, story, origin)
    assert status == 201 and headers["access-control-allow-origin"] == origin, body
    status, _, body = orphus_report(desk, story)
    assert status == 200 and "Thank you" in body
    assert preflight(desk, origin)[1]["access-control-allow-origin"] == origin

    assert reports_by_site(two_sites["install"]) == [
        [a, "https://live.news.example/story"],
        [b, story],
        [b, story],
    ]


def test_the_api_refuses_another_sites_domain_and_adds_a_new_one_pending(two_sites):
    desk, b, pages, install = two_sites["desk"], two_sites["b"], two_sites["pages"], two_sites["install"]
    token = install.run("token", "add", "b@other.example").stdout.strip()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def patch(domains):
        return send(f"{desk}/api/v1/sites/{b}", json.dumps({"domains": domains}).encode(), auth, "PATCH")

    status, _, body = patch(["other.example", "news.example"])
    assert status == 409, body
    assert json.loads(body)["field"] == "domains.1" and "*.news.example" in json.loads(body)["error"]
    status, _, body = patch(["other.example", "localhost"])
    assert status == 200, body
    states = {d["host"]: d for d in json.loads(body)["domain_states"]}
    assert json.loads(body)["domains"] == ["localhost", "other.example"]
    assert states["other.example"]["state"] == "verified"
    pending = states["localhost"]
    assert pending["state"] == "pending" and pending["verified_at"] is None
    story, origin = f"http://localhost:{pages.port}/story", f"http://localhost:{pages.port}"
    assert widget_report(desk, b, story, origin)[0] == 403

    pages.pages["/"] = (
        f'<html><head><meta name="typodesk-verification" content="{pending["verification"]["file_content"]}">'
        "</head><body>Home</body></html>"
    )
    status, _, body = send(f"{desk}/api/v1/sites/{b}/domains/localhost/check", b"", auth)
    assert status == 200, body
    state = json.loads(body)
    assert (
        state["state"] == "verified" and state["found"] == f"the token is in http://localhost:{pages.port}/"
    )
    status, headers, body = widget_report(desk, b, story, origin)
    assert status == 201 and headers["access-control-allow-origin"] == origin, body
