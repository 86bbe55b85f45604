"""The desk's actions in Chromium with a real keyboard: triage in place, undo, the confirmation of a
large change, j/k across pages and from a finding's page, and the same desk without JavaScript."""

from __future__ import annotations

import re
import sys

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import add_report, axe, desk  # noqa: F401 (fixtures)
from typodesk.desk import inbox
from typodesk.findings.models import Finding, StatusChange

pytestmark = pytest.mark.browser


def current(page) -> str | None:
    return page.locator(".findings > li.is-current").get_attribute("data-finding")


def listed(page) -> list[str]:
    return [li.get_attribute("data-finding") for li in page.locator(".findings > li").all()]


def status_of(pk) -> str:
    return Finding.objects.get(pk=pk).status


def arrive(page, url) -> None:
    """Wait for the page at ``url`` to be ready for keys (its deferred desk.js has run): the
    address changes before the new page's script is there."""
    expect(page).to_have_url(url)
    page.wait_for_load_state("domcontentloaded")


@pytest.fixture
def ten(desk):  # noqa: F811
    return [add_report(desk.site, f"w{i}", i * 10) for i in range(10)]


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of three findings (the live server runs in this process): the size is read by the
    module that defines the inbox's ``page``."""
    monkeypatch.setattr(sys.modules[inbox.page.__module__], "PAGE_SIZE", 3)


def test_triage_ten_findings_by_keyboard(desk, page, ten):  # noqa: F811
    """Each decision takes the row out of the list and puts the cursor on the next one: one key
    per finding, plus j to start and j to leave one as it is."""
    desk.open(page)
    order = listed(page)
    assert len(order) == 10
    pressed: list[str] = []

    def press(key: str) -> None:
        pressed.append(key)
        page.keyboard.press(key)

    press("j")
    for key in ("f", "n", "f", "s"):
        press(key)
    press("j")  # the fifth stays as it is
    for key in ("f", "n", "f", "f", "s"):
        press(key)
    expect(page.locator(".findings > li")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("1 finding marked spam.")
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    assert " ".join(pressed) == "j f n f s j f n f f s"
    assert len(pressed) == 11  # keystrokes for ten findings, no page load
    want = ["fixed", "rejected", "fixed", "spam", "new", "fixed", "rejected", "fixed", "fixed", "spam"]
    assert [status_of(pk) for pk in order] == want
    assert listed(page) == [order[4]]
    assert current(page) == order[4]  # the last row left: the cursor is on the one still there
    assert StatusChange.objects.filter(user=desk.editor).count() == 9


def test_undo_puts_the_rows_back_and_restores_each_status(desk, page, ten):  # noqa: F811
    first = ten[0]
    from typodesk.findings.services import set_status

    set_status(Finding.objects.get(pk=first.pk), "duplicate", desk.editor, duplicate_of=ten[9])
    desk.open(page, "?status=all")
    order = listed(page)
    page.keyboard.press("j")
    for _ in range(3):  # select three rows, the duplicate among them if it is on top
        page.keyboard.press("x")
        page.keyboard.press("j")
    chosen = order[:3]
    before = {pk: (f.status, f.duplicate_of_id) for pk in chosen for f in [Finding.objects.get(pk=pk)]}
    page.keyboard.press("s")
    expect(page.get_by_role("status")).to_have_text("3 findings marked spam.")
    # The "all" tab still shows them, with their new status.
    expect(page.locator(".findings > li")).to_have_count(10)
    for pk in chosen:
        expect(page.locator(f'[data-finding="{pk}"] .badge')).to_have_text("Spam")
    # The toast stays while the editor moves on; z undoes.
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.keyboard.press("z")
    expect(page.get_by_role("status")).to_have_text("3 changes undone.")
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    assert {
        pk: (f.status, f.duplicate_of_id) for pk in chosen for f in [Finding.objects.get(pk=pk)]
    } == before
    assert StatusChange.objects.filter(finding_id=chosen[0], user=desk.editor).count() >= 2
    # Dismiss closes it (no timer does).
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator("[data-toast]")).to_have_count(0)


def test_undo_brings_back_rows_that_left_the_list(desk, page, ten):  # noqa: F811
    desk.open(page)
    order = listed(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("f")
    expect(page.locator(".findings > li")).to_have_count(9)
    assert current(page) == order[2]
    page.keyboard.press("z")
    expect(page.locator(".findings > li")).to_have_count(10)
    assert listed(page) == order  # back where it was
    expect(page.locator(f'[data-finding="{order[1]}"] a[data-open]')).to_be_focused()
    assert status_of(order[1]) == "new"


def test_a_large_bulk_change_is_confirmed_then_undone_in_one_step(desk, page, axe):  # noqa: F811
    many = [add_report(desk.site, f"m{i}", i * 10) for i in range(12)]
    desk.open(page)
    spam = page.get_by_role("button", name="Spam", exact=True)
    expect(spam).to_be_disabled()  # nothing selected yet
    page.get_by_label(re.compile("Select “m3”")).check()
    expect(spam).to_be_enabled()
    select_all = page.get_by_label("Select all on this page")
    assert select_all.evaluate("el => el.indeterminate")
    select_all.check()
    page.keyboard.press("s")
    dialog = page.get_by_role("dialog", name="Mark 12 findings spam?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert axe() == []  # the question
    page.keyboard.press("Enter")  # Cancel: nothing changes
    expect(dialog).to_be_hidden()
    assert Finding.objects.filter(status="spam").count() == 0
    page.keyboard.press("s")
    page.get_by_role("dialog").get_by_role("button", name="Spam: 12 findings").click()
    expect(page.get_by_role("status")).to_have_text("12 findings marked spam.")
    expect(page.locator(".findings > li")).to_have_count(0)
    assert axe() == []  # the toast
    assert Finding.objects.filter(status="spam").count() == 12
    page.keyboard.press("z")
    expect(page.get_by_role("status")).to_have_text("12 changes undone.")
    expect(page.locator(".findings > li")).to_have_count(12)
    assert sorted(f.status for f in Finding.objects.filter(pk__in=[f.pk for f in many])) == ["new"] * 12
    expect(spam).to_be_disabled()


def test_j_and_k_cross_pages(desk, page, small_pages):  # noqa: F811
    for i in range(7):
        add_report(desk.site, f"p{i}", i * 10)
    desk.open(page)
    first_page = listed(page)
    assert len(first_page) == 3
    for _ in range(4):
        page.keyboard.press("j")
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.locator(".findings > li.is-current")).to_have_count(1)
    second_page = listed(page)
    assert current(page) == second_page[0] and second_page[0] not in first_page
    expect(page.locator(f'[data-finding="{second_page[0]}"] a[data-open]')).to_be_focused()
    page.keyboard.press("k")
    expect(page).not_to_have_url(re.compile(r"after="))
    expect(page.locator(".findings > li.is-current")).to_have_count(1)
    assert listed(page) == first_page and current(page) == first_page[-1]


def test_the_finding_page_j_k_and_escape(desk, page, small_pages):  # noqa: F811
    for i in range(5):
        add_report(desk.site, f"q{i}", i * 10)
    desk.open(page, "?q=q")
    rows = listed(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    arrive(page, re.compile(rf"/desk/findings/{rows[1]}/$"))
    page.keyboard.press("j")
    arrive(page, re.compile(rf"/desk/findings/{rows[2]}/$"))
    page.keyboard.press("k")
    arrive(page, re.compile(rf"/desk/findings/{rows[1]}/$"))
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/desk/\?q=q$"))
    expect(page.locator(f'[data-finding="{rows[1]}"] a[data-open]')).to_be_focused()
    # Past the end of the page: the first finding of the next page of the same list, and back.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    arrive(page, re.compile(rf"/desk/findings/{rows[2]}/$"))
    page.keyboard.press("j")
    expect(page).not_to_have_url(re.compile(rf"/desk/findings/{rows[2]}/$"))
    arrive(page, re.compile(r"/desk/findings/\d+/$"))
    expect(page.locator("[data-finding-page]")).to_have_count(1)
    next_first = page.locator("[data-finding-page]").get_attribute("data-finding-page")
    assert next_first not in rows
    page.keyboard.press("k")
    arrive(page, re.compile(rf"/desk/findings/{rows[2]}/$"))
    # A decision on the page, then Escape: back at the row that follows it (it left the list).
    page.keyboard.press("k")
    arrive(page, re.compile(rf"/desk/findings/{rows[1]}/$"))
    page.keyboard.press("f")
    expect(page.get_by_role("status")).to_have_text("Finding marked “Fixed”.")
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("z")
    expect(page.get_by_role("status")).to_have_text("1 change undone.")
    page.wait_for_load_state("domcontentloaded")
    assert status_of(rows[1]) == "new"
    page.keyboard.press("n")
    expect(page.get_by_role("status")).to_have_text("Finding marked “Not a mistake”.")
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("Escape")  # the list is page 1 again, as reached from page 2
    expect(page).to_have_url(re.compile(r"/desk/\?q=q&before=[^#]+$"))
    expect(page.locator(".findings > li.is-current")).to_have_count(1)
    assert current(page) == rows[2]


def test_the_help_lists_the_new_keys(desk, page, ten):  # noqa: F811
    desk.open(page)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_contain_text("Undo the last change")
    expect(dialog).to_contain_text("the next / previous page")
    page.keyboard.press("Escape")
    page.goto(desk.url + f"/desk/findings/{ten[0].pk}/")
    page.keyboard.press("?")
    expect(dialog).to_contain_text("Next / previous finding of the list you came from")
    expect(dialog).to_contain_text("Back to the list, at this finding")


@pytest.fixture
def no_js(browser, desk):  # noqa: F811
    client = Client()
    client.force_login(desk.editor)
    ctx = browser.new_context(java_script_enabled=False)
    ctx.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": desk.url}])
    yield ctx.new_page()
    ctx.close()


def test_without_javascript_actions_and_undo_are_form_posts(desk, no_js):  # noqa: F811
    page = no_js
    found = [add_report(desk.site, f"v{i}", i * 10) for i in range(12)]
    desk.open(page, "?q=v")
    page.get_by_label(re.compile("Select “v1”")).check()
    page.get_by_role("button", name="Mark fixed").click()
    expect(page).to_have_url(re.compile(r"/desk/\?q=v$"))
    expect(page.get_by_role("status")).to_have_text("1 finding marked fixed.")
    assert status_of(found[1].pk) == "fixed"
    expect(page.locator(".findings > li")).to_have_count(11)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text("1 change undone.")
    expect(page.locator(".findings > li")).to_have_count(12)
    assert status_of(found[1].pk) == "new"
    # A large change: a page asks first.
    page.get_by_label("Select all on this page").check()  # no script: the boxes stay as they are
    for box in page.locator("[data-select]").all():
        box.check()
    page.get_by_role("button", name="Spam", exact=True).click()
    expect(page.get_by_role("heading", name="Mark 12 findings spam?")).to_be_visible()
    assert Finding.objects.filter(status="spam").count() == 0
    page.get_by_role("button", name="Spam: 12 findings").click()
    expect(page).to_have_url(re.compile(r"/desk/\?q=v$"))
    expect(page.get_by_role("status")).to_have_text("12 findings marked spam.")
    assert Finding.objects.filter(status="spam").count() == 12
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text("12 changes undone.")
    assert Finding.objects.filter(status="new").count() == 12
