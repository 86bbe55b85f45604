"""The reader's side of the dialog: messages instead of silent failures, the server's answers,
the keyboard (Esc, Ctrl/Cmd+Enter, focus), right-to-left pages, a strict CSP, and a widget that
does nothing at all until it is used."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
DIALOG = "typodesk-widget dialog[open]"
SELECT_HINT = "Select the mistake in the article text, then press Ctrl+Enter."
NET = "Could not send the report. Check your connection and try again."


def open_report(page, select, needle="jumpd"):
    select(needle)
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG)).to_be_visible()


def test_nothing_happens_on_load(page, servers, open_page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_page("article.html")
    assert page.evaluate("() => document.querySelector('typodesk-widget')") is None
    assert [u for u in requests if u.startswith(servers.desk)] == [f"{servers.desk}/widget.js"]
    assert page.evaluate(
        "() => [typeof typodesk.canonicalText, typeof typodesk.capture, typodesk.version]"
    ) == ["function", "function", "0.1.0"]


@pytest.mark.parametrize("how", ["no-selection", "outside-root", "only-hidden-text"])
def test_nothing_selected_gives_a_message(page, api, open_page, select, how):
    open_page("article.html")
    if how == "outside-root":
        select("Footer outside")
    elif how == "only-hidden-text":
        select("secret words")
    assert page.evaluate("() => typodesk.capture().error") in ("empty", "outside")
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_role("status")).to_have_text(SELECT_HINT)
    expect(dialog).to_have_accessible_description(SELECT_HINT)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog.locator("textarea")).to_have_count(0)
    page.keyboard.press("Control+Enter")  # the primary action here: close
    expect(page.locator(DIALOG)).to_have_count(0)
    assert api.requests == []


def test_too_long_selection_gives_a_message(page, api, open_page, select):
    open_page("long.html")
    select(page.evaluate("() => document.querySelector('#long').textContent"))
    assert page.evaluate("() => typodesk.capture()") == {"error": "long"}
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(
        "The selection is too long: select at most 1000 characters."
    )
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    assert api.requests == []


def test_201_thanks_then_closes_by_itself(page, api, open_page, select):
    page.clock.install()
    open_page("article.html")
    api.answers.append((201, {"id": 5, "finding": 3, "duplicate": False}, {}))
    open_report(page, select)
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_role("status")).to_have_text("Thank you! The editors have received your report.")
    expect(dialog.locator("textarea").first).to_be_hidden()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.clock.run_for(6000)
    expect(page.locator(DIALOG)).to_have_count(0)


def test_201_duplicate_and_close_with_the_button(page, api, open_page, select):
    open_page("article.html")
    api.answers.append((201, {"id": 6, "finding": 3, "duplicate": True}, {}))
    open_report(page, select)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(
        "Thank you! The editors have received your report."
    )
    page.get_by_role("button", name="Close").click()
    expect(page.locator(DIALOG)).to_have_count(0)


def test_400_shows_the_server_message_and_keeps_the_text(page, api, open_page, select):
    open_page("article.html")
    api.answers.append((400, {"error": "quote.exact: too long", "field": "quote.exact"}, {}))
    open_report(page, select)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("jumped")
    page.get_by_label("Comment (optional)").fill("my note")
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_role("status")).to_have_text("quote.exact: too long")
    expect(page.get_by_label("Suggested correction")).to_have_value("jumped")
    expect(page.get_by_label("Comment (optional)")).to_have_value("my note")
    expect(dialog.get_by_role("button", name="Send")).to_be_enabled()
    # Trying again works and sends the same thing.
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Thank you! The editors have received your report.")
    assert len(api.payloads) == 2 and api.payloads[0] == api.payloads[1]
    assert api.payloads[1]["suggestion"] == "jumped" and api.payloads[1]["comment"] == "my note"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"error": "This site is not registered.", "field": "site"}),
        (413, {"error": "The report is too large."}),
        (500, "<html>oops</html>"),
    ],
)
def test_other_errors(page, api, open_page, select, status, body):
    open_page("article.html")
    api.answers.append((status, body, {}))
    open_report(page, select)
    page.keyboard.press("Control+Enter")
    expected = body["error"] if isinstance(body, dict) else "The report was not accepted. (500)"
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(expected)
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")


def test_429_says_when_to_retry(page, api, open_page, select):
    open_page("article.html")
    api.answers.append((429, {"error": "Too many reports."}, {"Retry-After": "42"}))
    open_report(page, select)
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(
        "Too many reports. Try again in 42 seconds."
    )
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")


def test_network_failure_keeps_the_text(page, api, open_page, select):
    open_page("article.html")
    api.answers.append("abort")
    open_report(page, select)
    page.get_by_label("Comment (optional)").fill("keep me")
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(NET)
    expect(page.get_by_label("Comment (optional)")).to_have_value("keep me")
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")


def test_escape_closes_and_restores_focus_and_selection(page, api, open_page, select):
    open_page("article.html")
    page.focus("#btn")
    open_report(page, select)
    page.keyboard.type("typing here must not reach the page")
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    expect(page.locator("#btn")).to_be_focused()
    page.wait_for_function("() => getSelection().toString() === 'jumpd'", timeout=2000)  # restored
    assert api.requests == []


def test_page_shortcuts_do_not_see_keys_typed_in_the_dialog(page, open_page, select):
    open_page("article.html")
    page.evaluate("() => { window.seen = []; document.addEventListener('keydown', e => seen.push(e.key)); }")
    open_report(page, select)
    page.keyboard.type("ab")
    assert page.evaluate("() => window.seen") == ["Control", "Enter"]  # only the Ctrl+Enter that opened it


def test_cmd_enter_opens_and_sends(page, api, open_page, select):
    open_page("article.html")
    select("jumpd")
    page.keyboard.press("Meta+Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    page.keyboard.press("Meta+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_contain_text("Thank you")
    assert api.payloads[0]["quote"]["exact"] == "jumpd"


def test_ctrl_enter_in_the_pages_own_fields_is_left_alone(page, open_page, select):
    open_page("article.html")
    page.focus("#search")
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(100)
    expect(page.locator(DIALOG)).to_have_count(0)


def test_rtl_page_and_unknown_language(page, open_page, select):
    open_page("rtl.html")
    open_report(page, select, "خطأ")
    dialog = page.locator(DIALOG)
    expect(dialog).to_have_attribute("dir", "rtl")
    expect(dialog.locator("h2")).to_have_text("Report a mistake")  # "ar" has no strings: English
    expect(page.get_by_label("Suggested correction")).to_have_value("خطأ")


def test_strict_csp(page, api, open_page, select):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    open_page("csp-article.html")
    open_report(page, select)
    dialog = page.locator(DIALOG)
    assert dialog.evaluate("d => getComputedStyle(d).borderTopLeftRadius") == "10px"  # styled
    assert page.evaluate("() => document.querySelector('[style]')") is None
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_contain_text("Thank you")
    assert not [p for p in problems if re.search("Content Security Policy|Refused", p)], problems
