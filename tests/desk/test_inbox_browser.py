"""The inbox in Chromium: filters and search, pages, bulk actions with the mouse, the phone layout,
axe-core. (Keyboard triage: test_keyboard.py, which uses the fixtures here.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report

pytestmark = pytest.mark.browser


def add_report(site, exact, start, path="/story", **kw):
    return record_report(
        site,
        url=f"https://{site.hosts()[0]}{path}",
        quote=Quote(
            exact, kw.pop("prefix", "It was the "), kw.pop("suffix", " of times"), start, start + len(exact)
        ),
        title=kw.pop("title", "The story of the day"),
        **kw,
    ).finding


@pytest.fixture
def desk(live_server, transactional_db, make_user, make_site, context):
    """An editor of a site, logged in in the browser; ``desk.open(query)`` opens the inbox."""
    editor = make_user("editor@news.example", None)
    site = make_site(members=[(editor, "editor")])
    client = Client()
    client.force_login(editor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    class Desk:
        url = live_server.url

        def __init__(self):
            self.site, self.editor = site, editor

        def open(self, page, query=""):
            page.goto(live_server.url + "/desk/" + query)
            return page

    return Desk()


@pytest.fixture
def axe(page):
    import axe_playwright_python

    source = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text(encoding="utf-8")

    def run() -> list[dict]:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(source)
        return page.evaluate(
            """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)})))"""
        )

    return run


def quotes(page) -> list[str]:
    return page.locator(".findings mark").all_inner_texts()


def test_filters_search_and_export_link(desk, page):
    add_report(desk.site, "recieve", 1, lang="en", comment="Spelling in the first paragraph")
    add_report(desk.site, "Москва", 30, path="/ru", lang="ru", suggestion="Москве")
    add_report(desk.site, "teh", 60, lang="en")
    desk.open(page)
    assert sorted(quotes(page)) == sorted(["teh", "recieve", "Москва"])
    page.get_by_label("Search").fill("paragraph")
    page.get_by_label("Search").press("Enter")
    expect(page.locator(".findings mark")).to_have_text(["recieve"])
    expect(page.get_by_role("link", name="CSV")).to_have_attribute("href", "/desk/inbox.csv?q=paragraph")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("Language", exact=True)).to_be_hidden()  # behind "More filters" until used
    page.get_by_text("More filters").click()
    page.get_by_label("Language", exact=True).select_option("ru")
    page.get_by_label("Has a reader's suggestion").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".findings mark")).to_have_text(["Москва"])
    expect(page.get_by_role("link", name="JSON")).to_have_attribute(
        "href", re.compile(r"lang=ru.*suggested=1")
    )
    # The status tabs keep the filters and count under them.
    expect(
        page.get_by_role("navigation", name="Status").get_by_role("link", name=re.compile("^Open"))
    ).to_have_text("Open 1")


def test_pages_through_more_than_one_page(desk, page):
    for i in range(53):
        add_report(desk.site, f"w{i}", i * 10)
    desk.open(page)
    expect(page.locator(".findings > li")).to_have_count(50)
    first = page.locator(".findings > li").first.get_attribute("data-finding")
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".findings > li")).to_have_count(3)
    expect(page.get_by_role("link", name="Next →")).to_have_count(0)
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator(".findings > li")).to_have_count(50)
    assert page.locator(".findings > li").first.get_attribute("data-finding") == first


def test_select_all_on_the_page_and_a_bulk_action(desk, page):
    found = [add_report(desk.site, f"w{i}", i * 10) for i in range(4)]
    desk.open(page)
    page.get_by_label("Select all on this page").check()
    for box in page.locator("[data-select]").all():
        expect(box).to_be_checked()
    page.get_by_label(re.compile("Select “w2”")).uncheck()
    expect(page.get_by_label("Select all on this page")).not_to_be_checked()
    page.get_by_role("button", name="Not a mistake").click()
    expect(page.get_by_role("status")).to_have_text("3 findings marked not a mistake.")
    expect(page.locator(".findings mark")).to_have_text(["w2"])
    assert sorted(f.status for f in Finding.objects.filter(pk__in=[f.pk for f in found])) == [
        "new",
        "rejected",
        "rejected",
        "rejected",
    ]


def no_horizontal_overflow(page) -> None:
    """Nothing sticks out of the window sideways (what is inside a row that scrolls sideways,
    the inbox's filters and tabs, or is cut off with an ellipsis, stays inside it)."""
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.getClientRects().length)
             .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
                 if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return false; } return true; })
             .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == []


def test_phone_layout_and_axe(desk, browser, axe, page):
    long_url = "/" + "a-very-long-section-name/" * 6 + "story-with-an-extremely-long-address-" * 3
    add_report(
        desk.site,
        "Antidisestablishmentarianismsupercalifragilisticexpialidocious",
        5,
        path=long_url,
        suggestion="the",
        comment="A reader's comment",
    )
    for i in range(5):
        add_report(desk.site, f"mistake{i}", 200 + i * 10, title=f"Council meeting {i}: budget and schools")
        add_report(desk.site, f"mistake{i}", 200 + i * 10, suggestion=f"fixed{i}")
    desk.open(page)
    assert axe() == []  # desktop
    page.set_viewport_size({"width": 360, "height": 780})
    desk.open(page)
    no_horizontal_overflow(page)
    assert axe() == []
    # The rows are one above the other, full width; the bulk buttons and filters fit.
    boxes = [page.locator(".findings > li").nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] + boxes[0]["height"] <= boxes[1]["y"] and boxes[0]["width"] > 300
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    no_horizontal_overflow(page)
    assert axe() == []
    page.keyboard.press("Escape")
