"""The dialog with a real keyboard: Enter sends from the one-line correction (the dialog says so),
Esc keeps what the reader typed for the next time they open the same selection, the focus goes
back where the reader was, and a right-to-left language gets a right-to-left dialog."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG, THANKS

pytestmark = pytest.mark.browser
SHORTCUT = "Press Enter to send (Ctrl+Enter from any field)."
ACTIVE = "() => document.activeElement && (document.activeElement.id || document.activeElement.localName)"


def test_enter_in_the_correction_sends(page, api, open_page, report):
    open_page("article.html")
    dialog = report("jumpd")
    page.keyboard.type("jumped")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert [p["suggestion"] for p in api.payloads] == ["jumped"]


def test_shift_enter_and_enter_in_the_comment_are_new_lines(page, api, open_page, report):
    open_page("article.html")
    dialog = report("jumpd")
    page.keyboard.type("jum")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("ped")
    expect(dialog.get_by_label("Suggested correction")).to_have_value("jum\nped")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Comment (optional)")).to_be_focused()
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    expect(dialog.get_by_label("Comment (optional)")).to_have_value("one\ntwo")
    assert api.requests == []
    page.keyboard.press("Control+Enter")  # from any field
    expect(dialog.get_by_role("status")).to_have_text(THANKS)


def test_the_dialog_shows_the_shortcut_and_is_described_by_the_quote(page, api, open_page, report):
    open_page("article.html")
    dialog = report("jumpd")
    expect(dialog.get_by_text(SHORTCUT)).to_be_visible()
    expect(dialog.get_by_label("Suggested correction")).to_have_accessible_description(SHORTCUT)
    expect(dialog).to_have_accessible_description("The quick brown fox jumpd over the lazy dog.")


def test_esc_keeps_the_typing_for_the_same_selection(page, api, open_page, report, select):
    open_page("article.html")
    dialog = report("jumpd")
    page.keyboard.type("jumped")
    page.keyboard.press("Tab")
    page.keyboard.type("a verb")
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    assert page.evaluate("() => getSelection().toString()") == "jumpd"  # given back
    page.keyboard.press("Control+Enter")  # the same selection again
    expect(dialog.get_by_label("Suggested correction")).to_have_value("jumped")
    expect(dialog.get_by_label("Comment (optional)")).to_have_value("a verb")
    page.keyboard.press("Escape")
    dialog = report("brown")  # another selection starts afresh
    expect(dialog.get_by_label("Suggested correction")).to_have_value("brown")
    expect(dialog.get_by_label("Comment (optional)")).to_have_value("")
    page.keyboard.press("Escape")
    dialog = report("jumpd")
    expect(dialog.get_by_label("Suggested correction")).to_have_value("jumped")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    assert api.payloads[0]["suggestion"] == "jumped" and api.payloads[0]["comment"] == "a verb"
    page.keyboard.press("Escape")
    dialog = report("jumpd")  # sent: nothing left to restore
    expect(dialog.get_by_label("Suggested correction")).to_have_value("jumpd")
    expect(dialog.get_by_label("Comment (optional)")).to_have_value("")


def test_focus_goes_back_to_the_element_that_had_it(page, api, open_page, select):
    open_page("article.html")
    page.locator("#btn").focus()
    select("jumpd")  # a selection made without moving the focus, as a mouse in a text does not
    page.keyboard.press("Control+Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    expect(page.locator("#btn")).to_be_focused()


def test_after_the_thank_you_the_focus_is_in_the_text_the_reader_was_reading(page, api, open_page, select):
    open_page("article.html")
    page.evaluate("() => document.activeElement.blur()")
    select("jumpd")
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_label("Suggested correction")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_have_text(THANKS)
    page.keyboard.press("Enter")  # Close
    expect(page.locator(DIALOG)).to_have_count(0)
    assert page.evaluate(ACTIVE) == "plain"  # the paragraph with the mistake, not <body>
    page.keyboard.press("Tab")  # on from there: the next link in the article
    assert page.evaluate("() => document.activeElement.textContent") == "the fu"
    assert page.evaluate("() => document.querySelector('#plain').hasAttribute('tabindex')") is False


def test_a_hebrew_page_without_dir_gets_a_right_to_left_dialog(page, api, open_page, report):
    open_page("he.html")
    dialog = report("שגיעה")
    expect(dialog).to_have_attribute("dir", "rtl")
    box, heading = dialog.bounding_box(), dialog.locator("h2").bounding_box()
    assert box["x"] + box["width"] - (heading["x"] + heading["width"]) < 40  # starts at the right


def test_an_english_page_stays_left_to_right(page, api, open_page, report):
    open_page("article.html")
    expect(report("jumpd")).to_have_attribute("dir", "ltr")
