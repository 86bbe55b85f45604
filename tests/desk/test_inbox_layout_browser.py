"""The inbox's one-line rows in Chromium, with a newsroom's day of findings (254 findings from
1,600 reports on 40 pages): the list comes first on a 360 x 740 phone, many rows fit on a
1440 x 900 screen, sorting and grouping by page, the sticky selection bar, no JavaScript needed.

``TYPODESK_SCREENSHOT=docs/desk.png`` saves the README's and docs/desk.md's screenshots of the
inbox (desk.png at 1440 x 900, desk-phone.png at 360 x 740) next to it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import axe, desk, no_horizontal_overflow  # noqa: F401 (fixtures)
from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report, set_status

pytestmark = pytest.mark.browser

WORDS = [
    ("wich", "which"), ("recieve", "receive"), ("teh", "the"), ("goverment", "government"),
    ("untill", "until"), ("occured", "occurred"), ("seperate", "separate"), ("definately", "definitely"),
    ("its'", "its"), ("accomodate", "accommodate"), ("publically", "publicly"), ("tommorow", "tomorrow"),
]  # fmt: skip
TITLES = [
    "Council approves the budget for schools", "Flooding closes the river road", "Match report: City 2, United 1",
    "Mayor answers readers' questions", "New tram line opens in the spring", "Weather: a cold week ahead",
    "Hospital waiting times fall", "The festival programme in full",
]  # fmt: skip


def newsroom_day(site, findings=254, reports=1600, pages=40) -> list[Finding]:
    """Findings spread over pages as readers report them: a few reported by many, most by one."""
    rng = random.Random(20)
    now = timezone.now()
    made: list[Finding] = []
    for i in range(findings):
        wrong, right = WORDS[(i // pages + i) % len(WORDS)]  # no two alike on a page
        p = i % pages
        when = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 6))
        made.append(
            record_report(
                site,
                url=f"https://{site.hosts()[0]}/news/{p}",
                quote=Quote(wrong, "It was the ", " of the day", 20 + i * 40, 20 + i * 40 + len(wrong)),
                title=f"{TITLES[p % len(TITLES)]} ({p})",
                suggestion=right if rng.random() < 0.7 else "",
                when=when,
            ).finding
        )
    extra = reports - findings
    weights = [1 / (k + 1) for k in range(findings)]
    for f in rng.choices(made, weights=weights, k=extra):
        record_report(
            site,
            url=f.page.url,
            quote=Quote(f.exact, f.prefix, f.suffix, f.start, f.end),
            title=f.page.title,
            when=now - dt.timedelta(minutes=rng.randrange(60 * 24)),
        )
    return made


def visible_rows(page) -> int:
    """Rows wholly inside the window, as it is scrolled."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-rows] [data-row]')].filter(r => {
             const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight; }).length"""
    )


@pytest.fixture
def day(desk):  # noqa: F811
    made = newsroom_day(desk.site)
    for f in made[:25]:
        set_status(f, "fixed")
    return made


def test_on_a_phone_the_list_comes_first(desk, day, page, axe):  # noqa: F811 (fixtures)
    page.set_viewport_size({"width": 360, "height": 740})
    desk.open(page)
    no_horizontal_overflow(page)
    first = page.locator("[data-rows] [data-row]").first.bounding_box()
    assert first["y"] + first["height"] <= 740, first  # the first finding is on the screen
    rows = visible_rows(page)
    print(f"\n360x740: first row at y={first['y']:.0f}, {rows} rows visible")  # the numbers
    assert rows >= 3
    # Filters and status tabs are one row each, scrolled sideways, not wrapped.
    for row in (".filters", ".tabs"):
        kids = page.locator(f"{row} > *").evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
        assert max(kids) - min(kids) < 8, (row, kids)
    tabs = page.locator(".tabs")
    assert tabs.evaluate("e => e.scrollWidth > e.clientWidth")
    # The selection bar stays on the screen while the list scrolls.
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => window.scrollY > 1000")
    bar = page.locator("#bulk").bounding_box()
    assert 0 <= bar["y"] and bar["y"] + bar["height"] <= 740
    no_horizontal_overflow(page)
    assert axe() == []
    if os.environ.get("TYPODESK_SCREENSHOT"):
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(os.environ["TYPODESK_SCREENSHOT"]).with_name("desk-phone.png")))


def test_on_a_wide_screen_rows_are_one_line_each(desk, day, page, axe):  # noqa: F811
    page.set_viewport_size({"width": 1440, "height": 900})
    desk.open(page)
    rows = page.locator("[data-rows] [data-row]")
    expect(rows).to_have_count(50)
    heights = rows.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    line = page.locator("[data-rows] [data-row] .fix").first.evaluate(
        "e => parseFloat(getComputedStyle(e).lineHeight)"
    )
    assert max(heights) < 2 * line + 4, (max(heights), line)  # one line (and its padding) each
    print(f"\n1440x900: {visible_rows(page)} rows visible, rows {max(heights):.0f} px high")
    assert Finding.objects.filter(status="new").count() == 229
    assert page.locator(".shown").inner_text() == "1–50 of 229"
    # The row: the mistake struck through and the correction, the page, readers, age.
    top = Finding.objects.get(pk=rows.first.get_attribute("data-finding"))
    assert top.reader_count == max(f.reader_count for f in Finding.objects.filter(status="new"))
    row = page.locator(f'[data-finding="{top.pk}"]')
    expect(row.locator(".fix mark")).to_have_text(top.exact)
    if top.has_suggestion:
        expect(row.locator(".fix del mark")).to_have_text(top.exact)
    expect(row.locator(".where")).to_have_text(top.page.title)
    expect(row.locator(".count")).to_have_text(f"{top.reader_count} readers")
    assert axe() == []
    if os.environ.get("TYPODESK_SCREENSHOT"):
        page.screenshot(path=os.environ["TYPODESK_SCREENSHOT"])
    # Grouped by page: a heading per page, the rows under it without the page's name.
    page.get_by_label("Sort by").select_option("page")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=page"))
    heads = page.locator(".group-head").all_inner_texts()
    assert heads == sorted(heads) and len(heads) >= 5
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".shown")).to_have_text("51–100 of 229")
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator(".shown")).to_have_text("1–50 of 229")


def test_the_inbox_works_without_javascript(browser, desk, live_server):  # noqa: F811
    for i in range(3):
        record_report(
            desk.site,
            url=f"https://{desk.site.hosts()[0]}/story",
            quote=Quote(f"w{i}", "It was ", " of", i * 10, i * 10 + 2),
            title="Story",
            suggestion=f"v{i}",
        )
    from django.test import Client

    client = Client()
    client.force_login(desk.editor)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    desk.open(page, "?sort=oldest")
    expect(page.locator(".fix del")).to_have_text(["w0", "w1", "w2"])
    page.get_by_label("Select “w1”").check()
    page.get_by_role("button", name="Mark fixed").click()
    expect(page.get_by_role("status")).to_have_text("1 finding marked fixed.")
    expect(page.locator(".fix del")).to_have_text(["w0", "w2"])
    expect(page.get_by_label("Sort by")).to_have_value("oldest")  # back where the editor was
    context.close()
