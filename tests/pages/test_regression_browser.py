"""In Chromium: an editor marks a finding fixed, asks for a re-check, and the page tells them by
itself, without a reload, that the mistake is still there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import axe  # noqa: F401 (fixture)
from tests.pages.conftest import STORY, fresh, read_due_pages
from tests.pages.test_verification_browser import desk_url  # noqa: F401 (fixture)
from typodesk.findings.models import Finding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recheck_updates_the_page_by_itself_when_the_reading_arrives(
    desk_url,  # noqa: F811
    page,
    server,
    report,
    settings,
    axe,  # noqa: F811
):
    settings.TYPODESK_FETCH_FIXED_DELAY = 3600  # only the editor's "Re-check now" reads the page
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()  # the snapshot
    page.goto(f"{desk_url}/desk/findings/{finding.pk}/")
    page.get_by_role("button", name="Mark fixed").click()
    expect(page.get_by_role("status")).to_contain_text("Finding marked “Fixed”.")
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.get_by_role("button", name="Re-check the page now").click()
    status = page.locator(".recheck-status")
    expect(status).to_contain_text("this page updates when it is")
    expect(page.get_by_role("button", name="Re-check the page now")).to_be_disabled()
    expect(page.locator("section.verification[data-polling]")).to_have_count(1)
    assert fresh(finding).status == "fixed"
    # The worker reads the page (the CMS never published the edit); the browser is not touched.
    assert read_due_pages() == 1
    assert fresh(finding).is_regressed

    regression = page.locator(".regression")
    expect(regression).to_contain_text("You marked this fixed at")
    expect(regression).to_contain_text("but “trafic” is still on the page, checked")
    expect(page.locator(".finding-main .meta .badge").first).to_have_text("Regressed")
    expect(page.get_by_role("region", name="On the page").locator("mark")).to_have_text("trafic")
    expect(page.locator(".recheck-status")).to_have_text(
        "The page was read again; this page shows what typodesk found."
    )
    assert page.evaluate("() => window.stillTheSamePage === true")  # no reload: the content was swapped
    expect(page.locator("[data-polling]")).to_have_count(0)  # the new content: polling is over
    # The swapped-in buttons work: one primary, "Mark fixed".
    expect(page.locator("button.primary")).to_have_count(1)
    expect(page.locator("button.primary")).to_contain_text("Mark fixed")
    assert axe() == []
    page.keyboard.press("n")
    expect(page.get_by_role("status")).to_contain_text("Finding marked “Not a mistake”.")
    assert Finding.objects.get(pk=finding.pk).status == "rejected"


def test_recheck_with_nothing_to_verify_says_so_and_does_not_poll(
    desk_url,  # noqa: F811
    page,
    server,
    report,
):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    Finding.objects.filter(pk=finding.pk).update(status="rejected")
    page.goto(f"{desk_url}/desk/findings/{finding.pk}/")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.get_by_role("button", name="Re-check the page now").click()
    expect(page.locator(".recheck-status")).to_have_text(
        "No finding on this page is waiting for verification; nothing to re-check."
    )
    expect(page.get_by_role("button", name="Re-check the page now")).to_be_enabled()
    expect(page.locator("[data-polling]")).to_have_count(0)  # nothing to wait for: no polling
    assert sum("/reading/" in u for u in requests) == 1  # only the state before asking
