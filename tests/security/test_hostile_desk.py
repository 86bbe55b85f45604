"""Hostile reports shown in the desk: in a real browser no script runs, nothing is injected,
no `javascript:` link is clickable, and the export stays valid JSON."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.security.hostile import string_corpus

pytestmark = pytest.mark.browser
PASSWORD = "editor-password-for-tests"


def send(base, data):
    req = urllib.request.Request(
        base + "/api/v1/reports", json.dumps(data).encode(), {"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        assert e.code < 500, e.read()
        return e.code


def test_hostile_reports_cannot_script_the_desk(install, context):
    install.env["TYPODESK_RATE_BURST"] = "1000000"
    install.run("init")
    install.run("createuser", "editor@news.example", "--password-stdin", input=PASSWORD + "\n")
    key = install.run(
        "site", "add", "News", "--domain", "news.example", "--owner", "editor@news.example"
    ).stdout.strip()
    _, base = install.serve()
    stored = 0
    for i, evil in enumerate(string_corpus()):
        exact = evil[:1000]
        data = {
            "site": key,
            "url": f"https://news.example/a?p={i}&x=%3Cscript%3E",
            "title": evil[:500],
            "lang": evil[:35],
            "quote": {
                "exact": exact,
                "prefix": evil[:64],
                "suffix": evil[-64:],
                "start": i,
                "end": i + len(exact),
            },
            "suggestion": evil,
            "comment": evil,
        }
        stored += send(base, data) == 201
    assert stored >= len(string_corpus()) - 2

    page = context.new_page()
    fired = []
    page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    page.on("console", lambda m: fired.append("console:" + m.text) if "pwned" in m.text else None)
    page.goto(base + "/desk/login/")
    page.get_by_label("E-mail").fill("editor@news.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/desk/")

    def assert_clean():
        assert page.evaluate("() => window.__pwned") is None
        assert page.evaluate("() => window.top.__pwned") is None
        # Only typodesk's own elements: no script, iframe, object, form or on* handler came from a report.
        injected = page.evaluate(
            """() => [...document.querySelectorAll('main script, main iframe, main object, main embed, main svg, main img, main video, main link, main meta, main style, main base, main input:not([type=hidden]):not(form.filters input):not(form.duplicate input):not([data-select]):not([data-select-all]):not(.correction-form input)')].map(e => e.outerHTML)"""
        )
        assert injected == []
        handlers = page.evaluate(
            "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))"
        )
        assert handlers == []
        links = page.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => !/^https?:/.test(h))"
        )
        assert links == []

    seen = 0
    url = base + "/desk/?status=all"  # the spam folder too: hostile comments full of links go there
    while url:
        page.goto(url)
        assert_clean()
        ids = page.evaluate(
            "() => [...document.querySelectorAll('li[data-finding]')].map(li => li.dataset.finding)"
        )
        for fid in ids:
            page.goto(f"{base}/desk/findings/{fid}/")
            assert_clean()
            seen += 1
        nxt = page.locator("nav.pager a[rel=next]")
        url = (base + "/desk/" + nxt.get_attribute("href")) if nxt.count() else None
    assert seen >= stored - 5  # a few reports share a finding
    assert fired == []

    doc = json.loads(install.run("export", "--site", key).stdout)
    comments = {r["comment"] for f in doc["findings"] for r in f["reports"]}
    assert "<script>window.__pwned=1;alert(1)</script>" in comments
