"""The desktop flow and its feedback: the widget costs nothing until it is used, then the dialog
says what happened, every time (a thank-you, the server's message, a report kept for later,
why nothing can be reported), under a strict CSP too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import BLANK, DIALOG, HOW_TO, OUTSIDE, QUEUED, THANKS

pytestmark = pytest.mark.browser


def test_nothing_happens_on_load(page, servers, open_page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_page("article.html")
    page.wait_for_load_state("load")
    # Past the idle callback that looks for reports kept for later: idle callbacks run in the
    # order they were asked for, and the widget asked for its own at load.
    page.evaluate("() => new Promise(r => requestIdleCallback(() => requestIdleCallback(r)))")
    assert page.evaluate("() => document.querySelector('typodesk-widget')") is None
    assert [u for u in requests if u.startswith(servers.desk)] == [f"{servers.desk}/widget.js"]
    assert page.evaluate(
        "() => [typeof typodesk.open, typeof typodesk.canonicalText, typeof typodesk.capture, typodesk.version]"
    ) == ["function", "function", "function", "0.2.0"]


def test_the_dialog_part_is_loaded_once_on_first_use(page, api, servers, open_page, report):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_page("article.html")
    report("jumpd")
    page.keyboard.press("Escape")
    report("brown")
    desk = [u.removeprefix(servers.desk) for u in requests if u.startswith(servers.desk)]
    assert desk[0] == "/widget.js"
    assert re.fullmatch(r"/widget/dialog\.[0-9a-f]{12}\.js", desk[1])
    assert desk[2:] == ["/widget/site/test-site-key"]  # the site's options, asked once too


@pytest.mark.parametrize(
    ("how", "error", "says"),
    [
        ("no-selection", "empty", HOW_TO),
        ("outside-root", "outside", OUTSIDE),
        ("only-hidden-text", "outside", OUTSIDE),
        ("editable-text", "outside", OUTSIDE),  # the page's own editable text is not the article's
        ("only-spaces", "blank", BLANK),
    ],
)
def test_nothing_to_report_says_what_went_wrong(page, api, open_page, select, how, error, says):
    """Nothing selected: how to report. Something the reader did select that cannot be reported:
    why not, rather than telling them to do what they just did."""
    open_page("article.html")
    if how == "outside-root":
        select("Footer outside")
    elif how == "only-hidden-text":
        select("secret words")
    elif how == "editable-text":
        select("Editable words")
    elif how == "only-spaces":
        select(" ", 3, "article")
    assert page.evaluate("async () => (await typodesk.capture()).error") == error
    page.evaluate("() => typodesk.open()")  # as Ctrl+Enter does, wherever the focus is
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_role("status")).to_have_text(says)
    expect(dialog).to_have_accessible_description(says)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog.locator("textarea")).to_have_count(0)
    page.keyboard.press("Control+Enter")  # the primary action here: close
    expect(page.locator(DIALOG)).to_have_count(0)
    assert api.requests == []


@pytest.mark.parametrize("field", ["#search", "#notes", "#edit"])
def test_ctrl_enter_in_the_pages_own_fields_is_left_alone(page, open_page, field):
    open_page("article.html")
    page.locator(field).focus()
    page.keyboard.press("ControlOrMeta+a")  # select the field's own text
    # The widget prevents the default of a Ctrl+Enter it takes, in its listener on the window;
    # this one comes after it.
    page.evaluate("() => { window.taken = []; addEventListener('keydown', e => taken.push(e.defaultPrevented)); }")
    page.keyboard.press("Control+Enter")
    assert page.evaluate("() => taken") == [False, False]  # Control, then Enter: neither taken
    expect(page.locator(DIALOG)).to_have_count(0)


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


def test_201_thanks_stays_until_the_reader_closes_it(own_context, page, api, open_page, report):
    # No time limit on reading it (WCAG 2.2.1): a minute later the thank-you is still there.
    page.clock.install()
    open_page("article.html")
    api.answers.append((201, {"id": 5, "finding": 3, "duplicate": False}, {}))
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    expect(dialog.locator("textarea").first).to_be_hidden()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog).to_have_accessible_description(THANKS)
    page.clock.run_for(60_000)
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    page.keyboard.press("Enter")  # the focused Close
    expect(page.locator(DIALOG)).to_have_count(0)


def test_201_duplicate_and_close_with_the_button(page, api, open_page, report):
    open_page("article.html")
    api.answers.append((201, {"id": 6, "finding": 3, "duplicate": True}, {}))
    dialog = report("jumpd")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    page.get_by_role("button", name="Close").click()
    expect(page.locator(DIALOG)).to_have_count(0)


def test_the_quote_in_the_suggestion_field_is_selected_so_typing_replaces_it(page, api, open_page, report):
    # A reader who selects "jumpd" and types "jumped" sends "jumped", not "jumpdjumped".
    open_page("article.html")
    report("jumpd")
    field = page.get_by_label("Suggested correction")
    expect(field).to_be_focused()
    assert field.evaluate("f => [f.value, f.selectionStart, f.selectionEnd]") == ["jumpd", 0, 5]
    page.keyboard.type("jumped")
    expect(field).to_have_value("jumped")
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(THANKS)
    assert api.payloads[0]["suggestion"] == "jumped"


def test_the_arrow_keys_edit_the_selected_quote(page, api, open_page, report):
    open_page("article.html")
    report("jumpd")
    page.keyboard.press("ArrowLeft")  # the selection collapses at its start, as in any text field
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.type("e")
    expect(page.get_by_label("Suggested correction")).to_have_value("jumped")
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(THANKS)
    assert api.payloads[0]["suggestion"] == "jumped"


def test_the_quote_left_as_it_is_is_no_suggestion(page, api, open_page, report):
    open_page("article.html")
    report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(THANKS)
    assert "suggestion" not in api.payloads[0]


def test_400_shows_the_server_message_in_an_english_dialog_and_keeps_the_text(page, api, open_page, report):
    open_page("article.html")
    api.answers.append((400, {"error": "quote.exact: too long", "field": "quote.exact"}, {}))
    dialog = report("jumpd")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("jumped")
    page.get_by_label("Comment (optional)").fill("my note")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("quote.exact: too long")
    expect(page.get_by_label("Suggested correction")).to_have_value("jumped")
    expect(page.get_by_label("Comment (optional)")).to_have_value("my note")
    expect(dialog.get_by_role("button", name="Send")).to_be_enabled()
    # Trying again works and sends the same thing.
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert len(api.payloads) == 2
    first, second = ({k: v for k, v in p.items() if k != "elapsed"} for p in api.payloads)
    assert first == second  # the same report, sent later after the dialog opened
    assert api.payloads[1]["elapsed"] > api.payloads[0]["elapsed"]
    assert api.payloads[1]["suggestion"] == "jumped" and api.payloads[1]["comment"] == "my note"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (403, {"error": "This site is not registered.", "field": "site"}, "This site is not registered."),
        (413, {"error": "The report is too large."}, "The report is too large."),
        (418, "<html>no JSON</html>", "The report was not accepted. (418)"),
    ],
)
def test_other_refusals_say_what_the_server_said(page, api, open_page, report, status, body, message):
    open_page("article.html")
    api.answers.append((status, body, {}))
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(message)
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")
    assert page.evaluate("() => localStorage.getItem('typodesk-queue')") is None  # a refusal is final


def test_429_says_when_to_retry(page, api, open_page, report):
    open_page("article.html")
    api.answers.append((429, {"error": "Too many reports."}, {"Retry-After": "42"}))
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Too many reports. Try again in 42 seconds.")
    expect(page.get_by_label("Suggested correction")).to_have_value("jumpd")


@pytest.mark.parametrize("failure", ["abort", (502, "<html>Bad gateway</html>", {})])
def test_no_answer_keeps_the_report_for_later(page, api, open_page, report, failure):
    """A network failure or a server error (a proxy's 502 during an upgrade) is no refusal."""
    open_page("article.html")
    api.answers.append(failure)
    dialog = report("jumpd")
    page.get_by_label("Comment (optional)").fill("keep me")
    page.keyboard.press("Control+Enter")
    # Saved, and nothing left to do in the dialog: one Close, focused.
    expect(dialog.get_by_role("status")).to_have_text(QUEUED)
    expect(dialog.locator("textarea").first).to_be_hidden()
    expect(dialog.get_by_role("button")).to_have_count(1)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('typodesk-queue'))")
    assert [k["p"]["comment"] for k in kept] == ["keep me"]
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)


def test_rtl_page_and_unknown_language(page, open_page, report):
    open_page("rtl.html")
    dialog = report("خطأ")
    expect(dialog).to_have_attribute("dir", "rtl")
    expect(dialog).to_have_attribute("lang", "en")  # "ar" has no strings: English, and said so
    expect(dialog.locator("h2")).to_have_text("Report a mistake")
    expect(page.get_by_label("Suggested correction")).to_have_value("خطأ")
    # Laid out right to left: the heading starts at the dialog's right edge, the buttons at its left.
    box = dialog.bounding_box()
    heading = dialog.locator("h2").evaluate(
        "h => { const r = document.createRange(); r.selectNodeContents(h); return r.getBoundingClientRect().right; }"
    )
    assert box["x"] + box["width"] - heading < 40
    cancel = dialog.get_by_role("button", name="Cancel").bounding_box()
    assert cancel["x"] - box["x"] < 40


def test_strict_csp(page, api, open_page, report):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    open_page("csp-article.html")
    dialog = report("jumpd")
    assert dialog.evaluate("d => getComputedStyle(d).borderTopLeftRadius") == "10px"  # styled
    assert page.evaluate("() => document.querySelector('[style]')") is None
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert not [p for p in problems if re.search("Content Security Policy|Refused", p)], problems


def test_page_css_does_not_reach_the_dialog(page, api, open_page, report):
    open_page("article.html")
    page.add_style_tag(
        content="* { color: red !important; font-size: 40px !important; display: inline !important }"
    )
    dialog = report("jumpd")
    assert dialog.evaluate("d => getComputedStyle(d).fontSize") == "16px"
    assert dialog.locator("h2").evaluate("h => getComputedStyle(h).color") == "rgb(34, 34, 34)"
    expect(dialog.get_by_role("button", name="Send")).to_be_visible()


def test_no_e_mail_field_unless_the_site_allows_it(page, api, open_page, report):
    open_page("article.html")  # the site's options say {"email": false}
    dialog = report("jumpd")
    expect(dialog.locator("input[type=email]")).to_have_count(0)
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert "email" not in api.payloads[0]


def test_e_mail_me_when_it_is_fixed(page, api, open_page, report, site_options):
    site_options(email=True)
    open_page("article.html")
    dialog = report("jumpd")
    field = dialog.get_by_label("E-mail me when it is fixed (optional)")
    field.fill("not an address")
    page.keyboard.press("Control+Enter")
    expect(field).to_be_focused()  # the browser says what is wrong, in the reader's language
    assert field.evaluate("f => f.validity.typeMismatch") and api.requests == []
    field.fill(" reader@mail.example ")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert api.payloads[0]["email"] == "reader@mail.example"
