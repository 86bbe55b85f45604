"""The finding page in Chromium: what an editor sees and does, keys, phone width, axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import add_report, axe, desk  # noqa: F401 (fixtures)
from typodesk.findings.models import Finding, StatusChange
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.browser

TEXT = (
    "The council met on Monday. Nobody came late. It was the teh of times for all. The mayor said so twice."
)


@pytest.fixture
def finding(desk):  # noqa: F811
    f = add_report(
        desk.site,
        "teh",
        56,
        prefix="Nobody came late. It was the ",
        suffix=" of times for all.",
        suggestion="best",
        comment="Typo, surely",
        lang="en",
    )
    add_report(
        desk.site,
        "teh",
        56,
        prefix="Nobody came late. It was the ",
        suffix=" of times for all.",
        suggestion="best",
    )
    add_report(
        desk.site,
        "teh",
        56,
        prefix="Nobody came late. It was the ",
        suffix=" of times for all.",
        suggestion="the best",
    )
    PageCheck.objects.update_or_create(page=f.page, defaults={"snapshot": TEXT})
    return f


def test_an_editor_reads_the_finding_and_decides_with_the_keyboard(desk, page, finding, axe):  # noqa: F811
    page.goto(f"{desk.url}/desk/findings/{finding.pk}/")
    expect(page.locator(".paragraph mark")).to_have_text("reported text: teh")
    paragraph = page.locator(".paragraph")
    expect(paragraph).to_contain_text("Nobody came late. It was the reported text: teh of times for all.")
    expect(paragraph).to_contain_text("The mayor said so twice.")
    expect(paragraph).not_to_contain_text("The council met")
    diffs = page.locator(".suggestions-diff li")
    # "the best" is "best" with the word before the quote that the reader typed too: one line.
    expect(diffs).to_have_count(1)
    expect(diffs.nth(0)).to_contain_text("3 readers")
    expect(diffs.nth(0).locator("ins")).to_have_text("added: best")
    live = page.get_by_role("link", name="Open on page")
    expect(live).to_have_attribute(
        "href", "https://news.example/story#:~:text=It%20was%20the-,teh,-of%20times%20for"
    )
    expect(live).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator(".reports > li")).to_have_count(3)
    assert axe() == []
    # The note, then "f" marks it fixed (desk.js presses the button with data-key="f").
    page.get_by_role("textbox", name="Editors' note").fill("Asked the author")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_contain_text("Note saved.")
    page.keyboard.press("f")
    expect(page.get_by_role("status")).to_contain_text("Finding marked “Fixed”.")
    assert Finding.objects.get(pk=finding.pk).status == "fixed"
    expect(page.locator(".history li")).to_have_count(2)
    expect(page.locator(".history li").nth(1)).to_contain_text("editor@news.example")
    expect(page.locator(".history li").nth(1)).to_contain_text("New → Fixed")
    page.keyboard.press("r")
    expect(page.get_by_role("status")).to_contain_text("Finding marked “New”.")
    assert list(StatusChange.objects.filter(finding=finding).values_list("new_status", flat=True)) == [
        "new", "fixed", "new"
    ]  # fmt: skip
    assert axe() == []


def test_duplicate_and_the_phone_layout(desk, page, finding, axe):  # noqa: F811
    other = add_report(desk.site, "wrold", 90)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{desk.url}/desk/findings/{finding.pk}/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert axe() == []
    page.get_by_label("Duplicate of (its words or its number)").fill("999999")
    page.get_by_role("button", name="Mark duplicate").click()
    expect(page.get_by_role("alert")).to_contain_text("There is no finding #999999 on News.")
    page.get_by_label("Duplicate of (its words or its number)").fill(str(other.pk))
    page.get_by_role("button", name="Mark duplicate").click()
    expect(page.get_by_role("link", name=f"finding #{other.pk}")).to_be_visible()
    assert Finding.objects.get(pk=finding.pk).duplicate_of_id == other.pk
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
