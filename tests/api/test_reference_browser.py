"""The interactive API reference in a real browser: it works under the desk's CSP and never
asks another host for anything."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_reference_renders_every_operation_with_no_outside_request(install, page):
    install.run("init")
    _, base = install.serve()
    requests, problems = [], []
    page.on("request", lambda req: requests.append(req.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{base}/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/reports" in " ".join(paths) and "/api/v1/findings/bulk" in " ".join(paths)
    assert len(paths) >= 16
    # "Try it out" uses the token the reader types into Authorize: the scheme is there.
    assert page.locator("button.authorize").count() == 1
    origins = {urlsplit(u).netloc for u in requests if not u.startswith("data:")}
    assert origins == {urlsplit(base).netloc}, requests
    assert problems == []  # no CSP refusal, no missing file, no script error
