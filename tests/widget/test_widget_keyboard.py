"""Keyboards: Ctrl+Enter (Cmd+Enter on a Mac) opens a real modal dialog. The focus moves into it
and stays there (Tab goes round its controls), every control has a visible focus ring and a name,
Ctrl+Enter sends, Esc closes, and the focus and the selection go back to where they were."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG, THANKS

pytestmark = pytest.mark.browser

# The focused element in the widget's shadow root: its label, or its text for a button.
FOCUSED = """() => {
  const a = document.querySelector('typodesk-widget').shadowRoot.activeElement;
  return a && (a.labels && a.labels.length ? a.labels[0].textContent : a.textContent);
}"""


def test_keyboard_only_flow(page, api, open_page, select):
    open_page("article.html")
    page.keyboard.press("Tab")  # where the reader is in the page: the first link
    expect(page.locator("#home")).to_be_focused()
    select("jumpd")
    page.keyboard.press("Shift+ArrowRight")  # a selection is adjusted from the keyboard too
    page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate("() => getSelection().toString()") == "jumpd"

    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name="Report a mistake")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Suggested correction")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("jumped")

    # Tab goes round the dialog's controls and never out to the page behind it.
    order = []
    for key in ["Tab"] * 4 + ["Shift+Tab"] * 3:
        page.keyboard.press(key)
        order.append(page.evaluate(FOCUSED))
    assert order == [
        "Comment (optional)", "Send", "Cancel", "Suggested correction",  # round, forwards
        "Cancel", "Send", "Comment (optional)",  # and backwards
    ]  # fmt: skip
    page.keyboard.press("Tab")  # to Send
    ring = page.evaluate("""() => { const a = document.querySelector('typodesk-widget').shadowRoot.activeElement;
      const s = getComputedStyle(a); return [a.textContent, s.outlineStyle, s.outlineWidth]; }""")
    assert ring == ["Send", "solid", "3px"]  # a visible focus ring

    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(DIALOG)).to_have_count(0)
    expect(page.locator("#home")).to_be_focused()  # back where the reader was
    assert api.payloads[0]["quote"]["exact"] == "jumpd" and api.payloads[0]["suggestion"] == "jumped"


def test_escape_closes_and_gives_back_focus_and_selection(page, api, open_page, report):
    open_page("article.html")
    page.focus("#btn")
    report("jumpd")
    page.keyboard.type("typing here must not reach the page")
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    expect(page.locator("#btn")).to_be_focused()
    assert page.evaluate("() => getSelection().toString()") == "jumpd"  # at once, not later
    assert api.requests == []


def test_a_selection_made_right_after_closing_is_kept(own_context, page, open_page, report, select):
    page.clock.install()
    open_page("article.html")
    report("jumpd")
    page.keyboard.press("Escape")
    select("brown")
    page.clock.run_for(5000)  # every timer and frame left over from closing has run
    assert page.evaluate("() => getSelection().toString()") == "brown"


def test_page_shortcuts_do_not_see_keys_typed_in_the_dialog(page, open_page, report):
    open_page("article.html")
    page.evaluate("() => { window.seen = []; document.addEventListener('keydown', e => seen.push(e.key)); }")
    report("jumpd")
    page.keyboard.type("ab")
    page.keyboard.press("Escape")
    assert page.evaluate("() => window.seen") == ["Control", "Enter"]  # only the Ctrl+Enter that opened it


def test_cmd_enter_opens_and_sends(page, api, open_page, select):
    open_page("article.html")
    select("jumpd")
    page.keyboard.press("Meta+Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    page.keyboard.press("Meta+Enter")
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(THANKS)
    assert api.payloads[0]["quote"]["exact"] == "jumpd"


def test_roles_names_and_descriptions_for_screen_readers(page, open_page, report, site_options):
    site_options(email=True)
    open_page("article.html")
    report("jumpd")
    dialog = page.get_by_role("dialog", name="Report a mistake")
    assert dialog.evaluate("d => d.matches(':modal')")  # showModal: the page behind is inert
    expect(dialog.get_by_role("heading", name="Report a mistake")).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Suggested correction")).to_have_value("jumpd")
    expect(dialog.get_by_role("textbox", name="Comment (optional)")).to_be_visible()
    email = dialog.get_by_role("textbox", name="E-mail me when it is fixed (optional)")
    expect(email).to_have_accessible_description(
        "Your address is deleted once the report has been dealt with."
    )
    expect(dialog.get_by_role("button", name="Send")).to_have_attribute(
        "aria-keyshortcuts", "Control+Enter Meta+Enter"
    )
    expect(dialog.get_by_role("status")).to_have_count(1)  # where results are announced
    expect(dialog.locator("mark")).to_have_text("jumpd")  # the reported words, in their sentence
