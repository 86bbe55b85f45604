"""In Chromium: the duplicate search, the reports' summary and pages, a finding many readers
confirm despite a report that looks like spam."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import add_report, axe, desk  # noqa: F401 (fixtures)
from typodesk.findings.models import Finding

pytestmark = pytest.mark.browser


def test_mark_duplicate_finds_the_other_finding_by_its_words(desk, page, axe):  # noqa: F811
    f = add_report(desk.site, "teh", 56, prefix="It was the ", suffix=" of times")
    same = add_report(desk.site, "untill", 120, prefix="We wait ", suffix=" the end")
    add_report(desk.site, "untill", 80, prefix="Never ", suffix=" now")  # the same page too
    elsewhere = add_report(desk.site, "untill", 120, path="/other", prefix="We wait ", suffix=" the end")
    page.goto(f"{desk.url}/desk/findings/{f.pk}/")
    field = page.get_by_label("Duplicate of (its words or its number)")
    field.press_sequentially("unti")
    candidates = page.locator(".candidates button")
    expect(candidates).to_have_count(2)  # the page's two "untill", not the other page's
    expect(page.locator(".candidates")).not_to_contain_text(f"#{elsewhere.pk} ")
    page.locator(".candidates button", has_text="We wait").click()
    chosen = page.locator(".chosen")
    expect(chosen).to_contain_text(f"Chosen: #{same.pk}")
    expect(chosen.locator("q")).to_have_text("…We wait untill the end…")
    expect(field).to_have_value(str(same.pk))
    expect(page.get_by_role("button", name="Mark duplicate")).to_be_focused()
    assert axe() == []
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=f"finding #{same.pk}")).to_be_visible()
    assert Finding.objects.get(pk=f.pk).duplicate_of_id == same.pk


def test_a_finding_on_another_page_is_refused_saying_so(desk, page):  # noqa: F811
    f = add_report(desk.site, "teh", 56)
    elsewhere = add_report(desk.site, "untill", 120, path="/other")
    page.goto(f"{desk.url}/desk/findings/{f.pk}/")
    field = page.get_by_label("Duplicate of (its words or its number)")
    field.fill(str(elsewhere.pk))
    expect(page.locator(".candidates")).to_contain_text(
        f"Finding #{elsewhere.pk} is on another page (https://news.example/other)"
    )
    page.get_by_role("button", name="Mark duplicate").click()  # submitted anyway: refused
    expect(page.get_by_role("alert")).to_contain_text(
        f"Finding #{elsewhere.pk} is on another page (https://news.example/other): a finding can only"
        " duplicate one on the same page."
    )
    assert Finding.objects.get(pk=f.pk).status == "new"


def test_28_reports_collapse_to_a_summary_and_pages(desk, page, axe):  # noqa: F811
    polite = "Please fix, this is embarrassing"
    kw = {"prefix": "Wait ", "suffix": " the end of it", "lang": "en"}
    add_report(
        desk.site, "untill", 5, comment=polite, client_hash="x0", spam="the same comment on 3 pages", **kw
    )
    for i in range(1, 28):
        f = add_report(
            desk.site,
            "untill",
            5,
            suggestion=("Wait until the" if i % 3 == 0 else "until") if i < 19 else "",
            comment=f"spotted by reader {i}" if i > 24 else "",
            client_hash=f"x{min(i, 26)}",  # the 27th report is reader 26 again
            **kw,
        )
    f = Finding.objects.get(pk=f.pk)
    assert (f.status, f.report_count, f.reader_count) == ("new", 28, 27)
    page.goto(f"{desk.url}/desk/findings/{f.pk}/")
    expect(page.locator(".possible-spam")).to_contain_text("Possible spam")
    expect(page.locator(".possible-spam")).to_contain_text(
        "but 26 readers reported it without anything suspicious."
    )
    diffs = page.locator(".suggestions-diff li")
    expect(diffs).to_have_count(1)  # "until" and "Wait until the": one correction
    expect(diffs.first).to_contain_text("18 readers")
    summary = page.locator(".reports-summary")
    expect(summary).to_contain_text("28 reports from 27 readers · 18 suggest “until” · 4 with a comment")
    reports = page.locator("ol.reports > li")
    expect(reports).to_have_count(10)
    expect(page.get_by_text("Reports 1–10 of 28, newest first.")).to_be_visible()
    assert axe() == []
    page.get_by_role("link", name="Older reports").click()
    expect(page.get_by_text("Reports 11–20 of 28, newest first.")).to_be_visible()
    page.get_by_role("link", name="Older reports").click()
    expect(page.get_by_text("Reports 21–28 of 28, newest first.")).to_be_visible()
    expect(reports).to_have_count(8)
    expect(reports.last).to_contain_text("looks like spam: the same comment on 3 pages")
    expect(page.get_by_role("link", name="Older reports")).to_have_count(0)
    page.get_by_role("link", name="Newer reports").click()
    expect(page.get_by_text("Reports 11–20 of 28, newest first.")).to_be_visible()
