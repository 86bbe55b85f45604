"""Phones and tablets: Chromium with mobile emulation (a 390×844 viewport, touch events). When a
selection in the article is finished, a "Report a mistake" button appears next to it: inside the
viewport, not over the selection, gone when the selection is. Tapping it opens the dialog, which
focuses no text field (the keyboard would cover it) and keeps its actions in view in landscape."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.conftest import SELECT_JS, FakeApi
from tests.widget.helpers import BUTTON, DIALOG, QUEUED, SITE_KEY, THANKS, context_after, context_before
from typodesk.text import canonical_text

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 390, 844
RECTS = (
    "() => [...getSelection().getRangeAt(0).getClientRects()].map(r => [r.left, r.top, r.right, r.bottom])"
)

# Waiting out the pause after which the widget places its button: a timer of the page's runs after
# every timer started before it with no longer a delay, so this one, started again after each
# selection change the widget has seen (its listener came first) with a longer delay than the
# widget's 300 ms, fires after the widget's last one. pause_then() arms it; pause_over() waits.
PAUSE_THEN = """() => { window.paused = new Promise(done => { let t;
  document.addEventListener('selectionchange', () => { clearTimeout(t); t = setTimeout(done, 500); });
}); }"""


def pause_over(page) -> None:
    page.evaluate("() => window.paused")


@pytest.fixture(scope="module")
def shared_context(browser):
    """A phone: every test of this module runs in it."""
    ctx = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    yield ctx
    ctx.close()


def placed_well(page) -> dict:
    """The button's box, checked against the viewport and the selection."""
    button = page.locator(BUTTON)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= WIDTH, box
    assert 0 <= box["y"] and box["y"] + box["height"] <= HEIGHT, box
    assert 44 <= round(box["height"]) < 60  # a finger's size, and the label on one line
    for left, top, right, bottom in page.evaluate(RECTS):
        apart = (
            box["x"] >= right
            or box["x"] + box["width"] <= left
            or box["y"] >= bottom
            or box["y"] + box["height"] <= top
        )
        assert apart, f"the button {box} covers the selection at {(left, top, right, bottom)}"
    return box


def test_tap_the_button_next_to_the_selection_to_report(page, api, open_page, select):
    html = open_page("mobile.html")
    expect(page.locator(BUTTON)).to_have_count(0)  # nothing until there is a selection
    select("mistak")  # as a long press leaves it: a selection, no pointer event after it
    box = placed_well(page)
    [[left, top, right, bottom]] = page.evaluate(RECTS)
    assert 0 < box["y"] - bottom < 60  # right below the selection, clear of its handles
    expect(page.locator(BUTTON)).to_have_text("Report a mistake")

    page.locator(BUTTON).tap()
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    expect(page.locator(BUTTON)).to_be_hidden()
    expect(dialog.get_by_label("Suggested correction")).to_have_value("mistak")
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH  # the dialog fits the phone
    dialog.get_by_label("Suggested correction").fill("mistake")
    dialog.get_by_role("button", name="Send").tap()
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    text = canonical_text(html)
    start = text.index("mistak")
    assert api.payloads[0]["quote"] == {
        "exact": "mistak", "prefix": context_before(text, start), "suffix": context_after(text, start + 6),
        "start": start, "end": start + 6,
    }  # fmt: skip
    assert api.payloads[0]["suggestion"] == "mistake"


def test_the_button_and_the_dialog_pass_axe(page, open_page, select, axe):
    open_page("mobile.html")
    select("mistak")
    expect(page.locator(BUTTON)).to_be_visible()
    assert axe() == []
    page.locator(BUTTON).tap()
    expect(page.locator(DIALOG)).to_be_visible()
    assert axe() == []


def test_the_button_goes_when_the_selection_does(page, open_page, select):
    open_page("mobile.html")
    select("mistak")
    expect(page.locator(BUTTON)).to_be_visible()
    page.evaluate("() => getSelection().removeAllRanges()")
    expect(page.locator(BUTTON)).to_be_hidden()
    select("typpo")  # and comes back for the next one, next to it
    page.locator("#last").scroll_into_view_if_needed()
    placed_well(page)


def test_no_room_below_puts_the_button_above(page, open_page, select):
    open_page("mobile.html")
    # The last paragraph at the very bottom of the viewport.
    page.evaluate(
        f"() => scrollTo(0, document.querySelector('#last').getBoundingClientRect().bottom + scrollY - {HEIGHT} + 2)"
    )
    select("typpo")
    box = placed_well(page)
    [[left, top, right, bottom]] = page.evaluate(RECTS)
    assert box["y"] + box["height"] <= top


def test_a_mouse_selection_on_a_tablet_shows_it_too(page, open_page):
    open_page("mobile.html")
    word = page.evaluate("""() => {
      const t = document.querySelector('#first').firstChild, i = t.data.indexOf('mistak');
      const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 6);
      const b = r.getBoundingClientRect(); return [b.left + 1, b.right - 1, b.top + b.height / 2];
    }""")
    page.mouse.move(word[0], word[2])
    page.mouse.down()
    page.mouse.move(word[1], word[2], steps=4)
    expect(page.locator(BUTTON)).to_have_count(0)  # not while the selection is still being made
    page.mouse.up()
    placed_well(page)


@pytest.mark.parametrize("needle", ["Site header", "Footer text"])
def test_no_button_for_text_outside_the_article(page, open_page, select, needle):
    open_page("mobile.html")
    page.evaluate(PAUSE_THEN)
    select(needle)
    pause_over(page)
    expect(page.locator(BUTTON)).to_have_count(0)


def test_the_hint_says_tap_on_touch_screens(page, open_page):
    open_page("mobile.html")
    expect(page.locator("#hint")).to_have_text("Found a mistake? Select it and tap “Report a mistake”.")


def test_data_mobile_off(page, servers, select):
    html = servers.html["mobile.html"].replace(
        'data-site="test-site-key"', 'data-site="test-site-key" data-mobile="off"'
    )
    page.goto(servers.add_page("/mobile-off.html", html))
    page.wait_for_function("() => window.typodesk")
    page.evaluate(PAUSE_THEN)
    select("mistak")
    pause_over(page)
    expect(page.locator(BUTTON)).to_have_count(0)
    # No button on a touch screen: a hint telling the reader to tap one would lie.
    assert page.locator("#hint").evaluate("h => h.shadowRoot") is None


def test_no_button_on_a_desktop_without_touch(browser, servers):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(servers.url("mobile.html"))
        page.wait_for_function("() => window.typodesk")
        page.evaluate(PAUSE_THEN)
        page.evaluate("""() => { const t = document.querySelector('#first').firstChild, r = document.createRange();
          r.setStart(t, 4); r.setEnd(t, 9); getSelection().addRange(r); }""")
        pause_over(page)
        expect(page.locator(BUTTON)).to_have_count(0)
    finally:
        ctx.close()


def test_strict_csp_moves_the_button_without_style_attributes(page, api, open_page, select):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    open_page("csp-article.html")
    select("jumpd")
    placed_well(page)
    assert (
        page.evaluate("() => document.querySelector('typodesk-widget').shadowRoot.querySelector('[style]')")
        is None
    )
    page.locator(BUTTON).tap()
    expect(page.locator(DIALOG)).to_be_visible()
    assert not problems, problems


def test_no_text_field_is_focused_on_a_phone(page, api, open_page, select):
    # The on-screen keyboard would come up over the dialog and its Send: the dialog itself has
    # the focus (a screen reader reads its name and the quote), the reader taps a field to type.
    open_page("mobile.html")
    select("mistak")
    page.locator(BUTTON).tap()
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.getRootNode().activeElement.localName") == "dialog"
    field = dialog.get_by_label("Suggested correction")
    field.tap()
    expect(field).to_be_focused()
    page.keyboard.type("e")
    expect(field).to_have_value("mistake")  # typing goes on after the quote: nothing was selected


def in_view(page, button, width: int, height: int) -> None:
    """``button`` is inside the viewport and on top there (a tap at its middle reaches it)."""
    box = button.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, box
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
    hit = page.evaluate(
        """([x, y]) => { const e = document.querySelector('typodesk-widget').shadowRoot.elementFromPoint(x, y);
                         return e && e.textContent; }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == button.text_content(), hit


def test_a_phone_in_landscape_keeps_the_actions_in_view(browser, servers):
    width, height = 740, 360
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        page = ctx.new_page()
        api = FakeApi(site_origin=servers.site, answers=["abort"])  # offline
        page.route(f"{servers.desk}/api/v1/reports", api.handle)
        page.route(  # the e-mail field too: the longest dialog
            f"{servers.desk}/widget/site/{SITE_KEY}",
            lambda route: route.fulfill(
                status=200, body='{"email": true}', headers={"Access-Control-Allow-Origin": "*"}
            ),
        )
        page.goto(servers.url("mobile.html"))
        page.wait_for_function("() => window.typodesk !== undefined")
        page.evaluate(SELECT_JS, ["mistak", 0, "body"])
        page.locator(BUTTON).tap()
        dialog = page.locator(DIALOG)
        expect(dialog.get_by_label("E-mail me when it is fixed (optional)")).to_be_attached()
        assert dialog.evaluate("d => d.scrollHeight > d.clientHeight + 100")  # taller than the screen
        send = dialog.get_by_role("button", name="Send")
        in_view(page, send, width, height)
        in_view(page, dialog.get_by_role("button", name="Cancel"), width, height)
        dialog.evaluate("d => { d.scrollTop = d.scrollHeight; }")
        in_view(page, send, width, height)
        send.tap()
        # Offline: saved for the next visit, and a single Close.
        expect(dialog.get_by_role("status")).to_have_text(QUEUED)
        expect(dialog.get_by_role("button")).to_have_count(1)
        close = dialog.get_by_role("button", name="Close")
        in_view(page, close, width, height)
        close.tap()
        expect(page.locator(DIALOG)).to_have_count(0)
        assert len(api.payloads) == 1
    finally:
        ctx.close()
