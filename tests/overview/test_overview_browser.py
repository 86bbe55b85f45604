"""The overview in Chromium: seeded data, the numbers the charts and tables show, axe-core, phone width."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import axe, desk  # noqa: F401 (fixtures)
from typodesk.findings.services import Quote, record_report, set_status
from typodesk.overview import rollup

pytestmark = pytest.mark.browser


def add(site, exact, path, when, lang="en", start=7):
    return record_report(
        site,
        url=f"https://{site.hosts()[0]}{path}",
        quote=Quote(exact, "It was ", " best", start, start + len(exact)),
        title=f"Title of {path}",
        lang=lang,
        when=when,
        notify=False,
    ).finding


def test_the_charts_show_the_seeded_numbers(desk, page, axe):  # noqa: F811
    site, now = desk.site, timezone.now()
    today = timezone.localdate()
    a = add(site, "teh", "/news/a", now - timedelta(hours=2))
    add(site, "teh", "/news/a", now - timedelta(minutes=30), lang="ru")
    b = add(site, "wrold", "/news/a", now - timedelta(hours=4), start=40)
    add(site, "speling", "/sport/b", now - timedelta(days=5), lang="az-Latn")
    add(site, "old", "/sport/c", now - timedelta(days=100))
    spam = add(site, "pills", "/", now - timedelta(minutes=10), start=60)
    set_status(a, "fixed", desk.editor)  # 2 hours after its first report
    set_status(b, "fixed", desk.editor)  # 4 hours
    set_status(spam, "spam", desk.editor)
    rollup.catch_up()

    page.goto(f"{desk.url}/desk/overview/")  # one site: straight to its overview
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview of News")

    def value(selector: str) -> str:
        return page.locator(selector).first.get_attribute("data-value")

    # Reports per day: today 4 (a twice, b, spam), 5 days ago 1; 100 days ago is out of the chart.
    assert page.locator("svg.chart-columns").first.locator("rect.bar").count() == 90
    assert value(f'svg.chart-columns rect[data-key="{today.isoformat()}"]') == "4"
    assert value(f'svg.chart-columns rect[data-key="{(today - timedelta(days=5)).isoformat()}"]') == "1"
    expect(page.locator('[data-stat="reports-90"]')).to_have_text("5 reports in the last 90 days")
    page.get_by_text("Reports per day as a table").click()
    expect(page.locator(f'table tr[data-key="{today.isoformat()}"] td')).to_have_text("4")
    # Open and closed: open speling and old, fixed a and b, spam.
    expect(page.locator('[data-stat="open"]')).to_have_text("2 open")
    expect(page.locator('[data-stat="closed"]')).to_have_text("3 closed")
    assert value('svg.chart-stacked rect[data-key="fixed"]') == "2"
    assert value('svg.chart-stacked rect[data-key="spam"]') == "1"
    # The median of 2 and 4 hours.
    expect(page.locator('[data-stat="median-fix"]')).to_have_text("3.0 hours")
    # Pages and sections: /news/a has two mistakes (both fixed), /sport/ two (open).
    pages = page.locator("#pages-title ~ table tbody tr")
    expect(pages.nth(0).locator("th")).to_have_text("Title of /news/a")
    expect(pages.nth(0).locator("td").nth(0)).to_have_text("2")
    expect(pages.nth(0).locator("td").nth(1)).to_have_text("0")
    sections = page.locator("#sections-title ~ table tbody tr")
    expect(sections.locator("th")).to_have_text(["/news/", "/sport/"])
    expect(sections.locator("td:nth-child(2)")).to_have_text(["2", "2"])
    # Languages of the last 90 days.
    assert value('svg.chart-bars g[data-key="en"]') == "3"
    expect(page.locator("#langs-title ~ table tbody th")).to_have_text(["en", "az", "ru"])
    assert axe() == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert axe() == []
    if os.environ.get("TYPODESK_SCREENSHOTS"):
        page.screenshot(path=os.environ["TYPODESK_SCREENSHOTS"] + "/overview-360.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=os.environ["TYPODESK_SCREENSHOTS"] + "/overview.png", full_page=True)
