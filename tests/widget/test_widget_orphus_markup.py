"""Moving from Orphus by replacing only the script tag: the old badge
(``<a id="orphus" …><img alt="…Orphus…"></a>``) stays, and becomes a "how to report" link that
opens the dialog instead of the dead orphus.ru; Ctrl+Enter works as it always did."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG

pytestmark = pytest.mark.browser
HOW_TO_RU = "Нашли ошибку? Выделите её и нажмите Ctrl+Enter."
BADGE = "#orphus"


def test_the_badge_tells_how_to_report(page, open_page):
    open_page("orphus.html")  # the script at the end of <body>, without defer, as Orphus had it
    badge = page.locator(BADGE)
    expect(badge).to_have_attribute("title", HOW_TO_RU)
    popups = []
    page.on("popup", lambda p: popups.append(p))
    badge.click()
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_role("status")).to_have_text(HOW_TO_RU)
    assert page.url.endswith("/pages/orphus.html") and popups == []  # not off to orphus.ru
    page.keyboard.press("Escape")
    expect(badge).to_be_focused()


def test_the_badge_with_a_selection_reports_it(page, api, open_page, select):
    open_page("orphus.html")
    select("ашибка")
    page.locator(BADGE).click()  # a mouse click would collapse the selection: it is kept
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_label("Предлагаемое исправление")).to_have_value("ашибка")


def test_ctrl_enter_on_the_old_page(page, api, open_page, report):
    open_page("orphus.html")
    dialog = report("ашибка")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Спасибо! Редакция получила ваше сообщение.")
    assert api.payloads[0]["quote"]["exact"] == "ашибка" and api.payloads[0]["lang"] == "ru"


def test_a_link_named_orphus_without_the_badge_is_left_alone(page, servers):
    html = servers.html["orphus.html"].replace('alt="Система Orphus"', 'alt="Our partners"')
    page.goto(servers.add_page("/not-orphus.html", html))
    page.wait_for_function("() => window.typodesk")
    assert page.locator(BADGE).get_attribute("title") is None
