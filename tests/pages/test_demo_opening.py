"""`typodesk demo` reads its own article on 127.0.0.1, and nothing else on a private address.

The page reader refuses loopback addresses (a site's domain could point into the admin's
network); the demo's opening (fetch.open_for_demo) lets through one site at exactly the demo
server's origins. These tests run with TYPODESK_ALLOW_PRIVATE_TARGETS off, as the demo does.
"""

from __future__ import annotations

import pytest

from tests.pages.conftest import STORY, fresh, quote_in, read_due_pages
from typodesk.findings.models import Finding
from typodesk.findings.services import record_report
from typodesk.net import fetch
from typodesk.pages.models import PageCheck


@pytest.fixture(autouse=True)
def guarded(reader_settings):
    reader_settings.TYPODESK_ALLOW_PRIVATE_TARGETS = False
    yield
    fetch.close_demo_opening()


def reported(site, server, host: str = "localhost") -> Finding:
    server.pages["/story"] = STORY
    return record_report(
        site, url=server.url("/story", host), quote=quote_in(STORY, "teh"), title="Story", lang="en"
    ).finding


def test_the_demo_sites_own_origin_is_read_and_a_fix_seen(site, server):
    fetch.open_for_demo(site.pk, [server.url("/", "localhost")])
    finding = reported(site, server)
    read_due_pages()
    check = PageCheck.objects.get(page=finding.page)
    assert check.last_error == "" and check.last_success_at is not None
    assert server.hits("/story")
    server.pages["/story"] = STORY.replace("teh best", "the best")
    PageCheck.objects.filter(pk=check.pk).update(due_at=check.last_success_at)
    read_due_pages()
    finding = fresh(finding)
    assert (finding.verification, finding.replacement, finding.status) == ("fixed_on_page", "the", "fixed")


def test_another_site_on_the_same_loopback_address_is_still_refused(site, make_site, server):
    other = make_site(name="Not the demo", domains=("127.0.0.1",))
    fetch.open_for_demo(site.pk, [server.url("/", "localhost"), server.url("/", "127.0.0.1")])
    finding = reported(other, server, host="127.0.0.1")
    read_due_pages()
    check = PageCheck.objects.get(page=finding.page)
    assert "private, loopback or link-local" in check.last_error
    assert server.requests == []  # not even robots.txt
    assert fresh(finding).verification == "none"


def test_the_demo_site_on_another_port_is_refused(site, server):
    fetch.open_for_demo(site.pk, [f"http://localhost:{server.port + 1}"])
    finding = reported(site, server)
    read_due_pages()
    assert "private, loopback or link-local" in PageCheck.objects.get(page=finding.page).last_error
    assert server.requests == []


def test_no_opening_once_the_demo_closed_it(site, server):
    fetch.open_for_demo(site.pk, [server.url("/", "localhost")])
    fetch.close_demo_opening()
    finding = reported(site, server)
    read_due_pages()
    assert "private, loopback or link-local" in PageCheck.objects.get(page=finding.page).last_error
    assert server.requests == []
