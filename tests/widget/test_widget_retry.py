"""Feedback that never lies about sending: a report that got no answer (network failure, server
error) is kept in the reader's browser (localStorage) and sent again on the next page view; a
report the server refused is not kept; without storage the dialog does not promise a retry."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.waiting import wait_in_browser
from tests.widget.helpers import DIALOG, QUEUED

pytestmark = pytest.mark.browser
KEPT = "() => JSON.parse(localStorage.getItem('typodesk-queue') || '[]').map(i => i.p)"


def keep_one(page, api, open_page, report) -> dict:
    """Report "jumpd" while the network is down; returns the payload that was kept."""
    open_page("article.html")
    api.answers.append("abort")
    dialog = report("jumpd")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("jumped")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(QUEUED)
    [kept] = page.evaluate(KEPT)
    assert kept == api.payloads[0]
    page.keyboard.press("Escape")
    return kept


def next_page_view(page, api, servers, posts: int) -> None:
    """Open the article again, and wait until the API has had ``posts`` reports in all."""
    page.goto(servers.url("article.html"))
    page.wait_for_function("() => window.typodesk")
    wait_in_browser(page, lambda: len(api.payloads) >= posts, message=f"{posts} reports posted")


def test_a_report_without_answer_is_sent_on_the_next_page_view(page, api, servers, open_page, report):
    kept = keep_one(page, api, open_page, report)
    next_page_view(page, api, servers, posts=2)
    assert api.payloads[1] == kept  # the same report, to the letter
    page.wait_for_function("() => localStorage.getItem('typodesk-queue') === null")
    expect(page.locator(DIALOG)).to_have_count(0)  # sent in the background: the reader is reading


def test_still_no_answer_keeps_it_for_the_view_after(page, api, servers, open_page, report):
    kept = keep_one(page, api, open_page, report)
    api.answers.append((503, {"error": "Down for maintenance"}, {}))
    next_page_view(page, api, servers, posts=2)
    page.wait_for_function("() => JSON.parse(localStorage.getItem('typodesk-queue'))[0].s === 0")
    assert page.evaluate(KEPT) == [kept]
    next_page_view(page, api, servers, posts=3)
    assert api.payloads[2] == kept
    page.wait_for_function("() => localStorage.getItem('typodesk-queue') === null")


def test_a_refusal_on_the_next_view_ends_it(page, api, servers, open_page, report):
    keep_one(page, api, open_page, report)
    api.answers.append((403, {"error": "Pages on this host are not part of this site."}, {}))
    next_page_view(page, api, servers, posts=2)
    page.wait_for_function("() => localStorage.getItem('typodesk-queue') === null")


def test_sending_it_again_at_once_replaces_the_kept_copy(page, api, open_page, report):
    open_page("article.html")
    api.answers.append("abort")
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(QUEUED)
    page.keyboard.press("Control+Enter")  # closes: saved, nothing left to do
    expect(page.locator(DIALOG)).to_have_count(0)
    dialog = report("jumpd")  # the reader tries again; this time it goes through
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Thank you! The editors have received your report.")
    assert page.evaluate("() => localStorage.getItem('typodesk-queue')") is None


def test_without_storage_no_promise_is_made(page, api, open_page, report):
    page.add_init_script(
        "Storage.prototype.setItem = () => { throw new DOMException('denied', 'SecurityError'); }"
    )
    open_page("article.html")
    api.answers.append("abort")
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(
        "Could not reach the editors. Check your connection and try again."
    )


def test_old_kept_reports_are_forgotten(page, api, servers, open_page):
    open_page("article.html")
    old = {"id": "x", "t": 1, "p": {"site": "test-site-key"}}  # kept in 1970
    page.evaluate("(q) => localStorage.setItem('typodesk-queue', q)", json.dumps([old]))
    next_page_view(page, api, servers, posts=0)
    page.wait_for_function("() => localStorage.getItem('typodesk-queue') === null")
    assert api.payloads == []
