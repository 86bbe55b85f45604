"""The finding page in Chromium: the spell checker's in-context suggestion beside the readers'."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import add_report, axe, desk  # noqa: F401 (fixtures)
from typodesk.pages.jobs import SpellChecker
from typodesk.spelling import status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not status("en").available, reason="no English dictionary here"),
]


def test_an_editor_sees_the_real_word_fix_with_its_reason(desk, page, axe):  # noqa: F811
    f = add_report(
        desk.site,
        "then",
        5,
        prefix="More ",
        suffix=" two thousand people queued.",
        suggestion="than",
        lang="en",
    )
    dup = add_report(
        desk.site,
        "the",
        60,
        prefix="spent three years repairing the ",
        suffix=" cast-iron stairs",
        lang="en",
    )
    assert SpellChecker(worker_id="test").tick() == 2

    page.goto(f"{desk.url}/desk/findings/{f.pk}/")
    readers = page.locator(".suggestions-diff li")
    expect(readers).to_have_count(1)
    expect(readers.first).to_contain_text("1 reader")
    spell = page.locator(".spell-suggestion")
    expect(spell).to_have_text("Suggested by the spell checker: than (than after a comparative)")
    expect(spell.locator("ins")).to_have_text("than")
    expect(spell.locator(".spell-reason")).to_have_text("(than after a comparative)")
    assert axe() == []

    page.goto(f"{desk.url}/desk/findings/{dup.pk}/")
    spell = page.locator(".spell-suggestion")
    expect(spell.locator("del")).to_have_text("removed: the")
    expect(spell.locator(".spell-reason")).to_have_text("(repeated word)")
