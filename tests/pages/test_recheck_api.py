"""``POST /api/v1/sites/{key}/recheck``: a CMS asks for a reading after it publishes an edit."""

from __future__ import annotations

import json

import pytest

from tests.pages.conftest import STORY, fresh, read_due_pages
from typodesk.findings.models import Finding
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(site):
    return site.new_token()


def recheck(client, site, body, token=None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(
        f"/api/v1/sites/{site.public_key}/recheck",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_the_cms_publishes_a_fix_and_the_finding_becomes_fixed_on_page(client, site, token, server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    server.pages["/story"] = STORY.replace("teh best", "the best")
    PageCheck.objects.filter(page=finding.page).update(due_at=None)  # nothing else would read it now
    r = recheck(client, site, {"url": server.url("/story?utm_source=cms#top")}, token)
    assert r.status_code == 202
    assert r.json() == {"url": server.url("/story"), "scheduled": True, "findings": 1}
    read_due_pages()
    assert fresh(finding).verification == Finding.Verification.FIXED_ON_PAGE


def test_a_page_without_findings_is_not_read(client, site, token, server):
    r = recheck(client, site, {"url": server.url("/other")}, token)
    assert r.status_code == 200 and r.json()["scheduled"] is False and r.json()["findings"] == 0
    assert not PageCheck.objects.exists()


def test_the_cms_may_ask_for_a_later_reading(client, site, token, server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    PageCheck.objects.filter(page=finding.page).update(due_at=None)
    assert recheck(client, site, {"url": server.url("/story"), "delay": 600}, token).status_code == 202
    assert read_due_pages() == 0
    assert PageCheck.objects.get(page=finding.page).reason == "api"


@pytest.mark.parametrize(
    "auth",
    [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "tds_nothing"],
)
def test_without_the_site_token_the_answer_is_401(client, site, token, server, auth):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    r = recheck(client, site, {"url": server.url("/story")}, **headers)
    assert r.status_code == 401
    assert r.json()["field"] == "authorization" and "site token" in r.json()["error"]
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_a_site_without_a_token_accepts_none_and_an_unknown_key_looks_the_same(client, site, server):
    r = recheck(client, site, {"url": server.url("/story")}, "")
    assert r.status_code == 401
    r = client.post(
        "/api/v1/sites/no-such-key/recheck",
        json.dumps({"url": server.url("/story")}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer x",
    )
    assert r.status_code == 401


def test_another_sites_token_does_not_work(client, site, make_site, server):
    other = make_site(name="Other", domains=("other.example",))
    r = recheck(client, site, {"url": server.url("/story")}, other.new_token())
    assert r.status_code == 401


def test_a_new_token_replaces_the_old_one(client, site, token, server):
    new = site.new_token()
    assert recheck(client, site, {"url": server.url("/story")}, token).status_code == 401
    assert recheck(client, site, {"url": server.url("/story")}, new).status_code == 200


def test_the_token_is_stored_only_as_a_hash(site, token):
    site.refresh_from_db()
    assert token.startswith("tds_") and token not in site.token_hash and len(site.token_hash) == 64


def test_pages_of_other_hosts_are_refused(client, site, token):
    r = recheck(client, site, {"url": "https://elsewhere.example/story"}, token)
    assert r.status_code == 403 and r.json()["field"] == "url"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "url"),
        ({"url": "ftp://localhost/x"}, "url"),
        ({"url": "http://localhost/", "delay": -1}, "delay"),
    ],
)
def test_bad_bodies_get_a_400_that_names_the_field(client, site, token, body, field):
    r = recheck(client, site, body, token)
    assert r.status_code == 400 and r.json()["field"] == field
