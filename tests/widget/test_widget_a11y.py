"""axe-core, run in the page with the widget open: no violation at all (every rule axe runs by
default, best practices included), in each of the dialog's views. (The phone button: in
test_widget_mobile.py, on a phone.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG

pytestmark = pytest.mark.browser


def test_the_page_alone_is_clean(page, open_page, axe):
    open_page("article.html")  # so that what follows is the widget's
    assert axe() == []


def test_report_form_with_e_mail_field(page, open_page, report, site_options, axe):
    site_options(email=True)
    open_page("article.html")
    dialog = report("jumpd")
    expect(dialog.get_by_label("E-mail me when it is fixed (optional)")).to_be_visible()
    assert axe() == []


def test_message_views(page, api, open_page, report, axe):
    open_page("article.html")
    page.evaluate("() => typodesk.open()")  # nothing selected: how to report
    expect(page.locator(DIALOG).get_by_role("status")).not_to_be_empty()
    assert axe() == []
    page.keyboard.press("Escape")
    api.answers.append((400, {"error": "quote.exact: too long"}, {}))
    dialog = report("jumpd")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("quote.exact: too long")  # an error, in red
    assert axe() == []
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()  # the thank-you
    assert axe() == []


def test_right_to_left(page, open_page, report, axe):
    open_page("rtl.html")
    report("خطأ")
    assert axe() == []
