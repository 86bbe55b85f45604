"""Triage with the keyboard in Chromium: j/k, x, the action keys, Enter, "?" help (desk.js)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import add_report, desk  # noqa: F401 (fixture)
from typodesk.findings.models import Finding, StatusChange

pytestmark = pytest.mark.browser


def current(page) -> str | None:
    return page.locator(".findings > li.is-current").get_attribute("data-finding")


def statuses(found) -> list[str]:
    return [Finding.objects.get(pk=f.pk).status for f in found]


@pytest.fixture
def three(desk):  # noqa: F811
    # Most readers first: w0 (3), w1 (2), w2 (1).
    found = []
    for i in range(3):
        for _ in range(3 - i):
            f = add_report(desk.site, f"w{i}", i * 10)
        found.append(f)
    return found


def test_j_k_x_then_a_bulk_key(desk, page, three):  # noqa: F811
    desk.open(page)
    ids = [str(f.pk) for f in three]
    page.keyboard.press("j")
    assert current(page) == ids[0]
    expect(page.locator(f'[data-finding="{ids[0]}"] a.title')).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    assert current(page) == ids[2]
    page.keyboard.press("k")
    assert current(page) == ids[1]
    page.keyboard.press("x")
    page.keyboard.press("k")
    page.keyboard.press("x")
    page.keyboard.press("x")  # and unselect again
    page.keyboard.press("x")
    expect(page.locator("[data-select]:checked")).to_have_count(2)
    page.keyboard.press("f")
    expect(page.get_by_role("status")).to_have_text("2 findings marked fixed.")
    assert statuses(three) == ["fixed", "fixed", "new"]
    assert StatusChange.objects.filter(new_status="fixed", user=desk.editor).count() == 2
    expect(page.locator(".findings mark")).to_have_text(["w2"])
    # Nothing selected: the key acts on the current row.
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(page.get_by_role("status")).to_have_text("1 finding marked spam.")
    assert statuses(three) == ["fixed", "fixed", "spam"]


def test_enter_opens_the_current_finding(desk, page, three):  # noqa: F811
    desk.open(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/desk/findings/{three[1].pk}/$"))


def test_keys_typed_into_fields_are_text(desk, page, three):  # noqa: F811
    desk.open(page)
    search = page.get_by_label("Search")
    search.click()
    page.keyboard.type("jxfs?")
    expect(search).to_have_value("jxfs?")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert page.locator(".findings > li.is-current").count() == 0
    assert statuses(three) == ["new", "new", "new"]


def test_help_dialog_keeps_focus_and_closes_with_escape(desk, page, three):  # noqa: F811
    desk.open(page)
    page.keyboard.press("j")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog).to_contain_text("Mark as fixed")
    for _ in range(3):  # Tab never reaches the page behind the modal dialog
        page.keyboard.press("Tab")
        inside = page.evaluate("() => document.getElementById('keys-help').contains(document.activeElement)")
        on_page = page.evaluate("() => !!document.activeElement.closest('main, header')")
        assert inside or not on_page
    page.keyboard.press("f")  # keys do not act behind the dialog
    assert statuses(three) == ["new", "new", "new"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f'[data-finding="{three[0].pk}"] a.title')).to_be_focused()


def test_viewers_keys_change_nothing(desk, page, three, make_user):  # noqa: F811
    from django.test import Client

    from typodesk.sites.models import Membership

    viewer = make_user("viewer@news.example", None)
    Membership.objects.create(site=desk.site, user=viewer, role="viewer")
    client = Client()
    client.force_login(viewer)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": desk.url}]
    )
    desk.open(page)
    expect(page.locator("[data-select]")).to_have_count(0)
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("f")
    expect(page.locator(".findings > li")).to_have_count(3)
    assert statuses(three) == ["new", "new", "new"]
