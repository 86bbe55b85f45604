"""The finding page in Chromium after the page reader could not tell: what an editor sees."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.desk.test_inbox_browser import axe  # noqa: F401 (fixture)
from tests.pages.conftest import STORY, article, fresh, read_due_pages
from typodesk.findings.models import Finding
from typodesk.pages.schedule import schedule_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_url(live_server, context, editor, site):
    """The desk's address, the editor of the page server's site logged in in the browser."""
    client = Client()
    client.force_login(editor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return live_server.url


def test_an_editor_sees_that_the_page_changed_too_much_and_finds_the_words_in_its_text(
    desk_url,
    page,
    server,
    report,
    axe,  # noqa: F811
):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = article(
        "It was teh best of times in the old town, and the market was full of people.",
        "The mayor said the new bridge will open in spring, after the river has calmed down.",
        "Shopkeepers say the trafic jams are worse than ever this winter, and want buses.",
    )
    schedule_now(finding.page, "desk")
    read_due_pages()
    assert fresh(finding).verification == Finding.Verification.UNCERTAIN

    page.goto(f"{desk_url}/desk/findings/{finding.pk}/")
    section = page.get_by_role("region", name="On the page")
    expect(section.locator(".badge")).to_have_text("Page changed too much to tell")
    expect(section).to_contain_text("The finding stays open: look for it in the page's text.")
    expect(section.locator("del")).to_have_text("trafic")  # what the reader reported
    text = section.locator("details.page-text")
    expect(text.locator("p")).to_be_hidden()
    text.get_by_text("The page's text as last read").click()
    expect(text.locator("p")).to_contain_text("The mayor said the new bridge will open in spring")
    expect(text.locator("mark")).to_have_text(["trafic"])
    # The status did not move: the buttons still offer to mark it fixed.
    expect(page.get_by_role("button", name="Fixed")).to_be_visible()
    assert axe() == []
