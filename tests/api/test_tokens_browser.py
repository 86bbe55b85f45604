"""The API tokens page in Chromium: an editor makes a token with the form as it starts (read-only,
one site), sees it whole, copies it and the example command, and the buttons say "Copied"."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from typodesk.apiv1.models import ApiToken

pytestmark = pytest.mark.browser


def test_make_a_token_see_it_whole_and_copy_it(live_server, transactional_db, make_user, make_site, browser):
    editor = make_user("editor@news.example", None)
    site = make_site(name="News", members=[(editor, "editor")])
    client = Client()
    client.force_login(editor)
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    ctx.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = ctx.new_page()
    page.goto(live_server.url + "/desk/tokens/")
    # The form starts at the narrowest token; a name is needed before it is sent.
    expect(page.get_by_label("Sites", exact=True)).to_have_value(site.public_key)
    expect(page.get_by_label("Read only")).to_be_checked()
    page.get_by_role("button", name="Make token").click()
    assert page.evaluate("() => document.getElementById('token-name').validity.valueMissing")
    assert not ApiToken.objects.exists()
    page.get_by_label("Name (what it is for)").fill("CMS")
    page.get_by_role("button", name="Make token").click()
    token = page.locator("#new-token")
    expect(token).to_have_text(re.compile(r"^tdk_\S{40,}$"))
    secret = token.inner_text()
    made = ApiToken.objects.get()
    assert (made.name, made.site, made.read_only, made.expires is not None) == ("CMS", site, True, True)
    expect(page.locator("#new-token-example")).to_contain_text(f"Authorization: Bearer {secret}")
    copy = page.locator("button[data-copy=new-token]")
    expect(copy).to_have_text("Copy the token")
    copy.click()
    expect(page.locator("#new-token-status")).to_have_text("Copied")
    expect(page.locator("#new-token-status")).to_have_attribute("aria-live", "polite")
    expect(copy).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    page.get_by_role("button", name="Copy the command").click()
    expect(page.locator("#new-token-example-status")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()").endswith("/api/v1/findings")
    # The list shows when it expires.
    page.goto(live_server.url + "/desk/tokens/")
    expect(page.locator(f'tr[data-token="{made.pk}"] td.expiry time')).to_have_count(1)
    ctx.close()
