"""/api/v1/sites: your sites, overview numbers, export; sites and members for owners."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import assert_error, report
from typodesk.findings.models import Finding
from typodesk.sites.models import Domain, Membership, Site

pytestmark = pytest.mark.django_db


def test_sites_list_with_your_role(api, site, other_site, people, make_site):
    make_site(name="Also", domains=["also.example"], members=[(people["viewer"], "editor")])
    r = api("viewer").get("/sites")
    assert [(s["name"], s["role"]) for s in r.json()] == [("Also", "editor"), ("News Example", "viewer")]
    body = api("owner").get(f"/sites/{site.public_key}").json()
    assert body["key"] == site.public_key and body["domains"] == ["news.example"] and body["role"] == "owner"
    assert [s["role"] for s in api("admin").get("/sites").json()] == ["owner"] * 3  # admins act as owners
    assert_error(api("viewer").get(f"/sites/{other_site.public_key}"), 404, "key")


def test_owners_change_the_site(api, site):
    owner = api("owner")
    r = owner.patch(
        f"/sites/{site.public_key}",
        {
            "name": "News",
            "domains": ["News.Example", "*.news.example", "news.example"],
            "root_selector": "article .body",
        },
    )
    assert r.status_code == 200
    assert r.json()["domains"] == ["*.news.example", "news.example"] and r.json()["name"] == "News"
    assert Site.objects.get(pk=site.pk).root_selector == "article .body"
    assert_error(
        owner.patch(f"/sites/{site.public_key}", {"domains": ["ok.example", "not a domain"]}),
        400,
        "domains.1",
    )
    assert_error(owner.patch(f"/sites/{site.public_key}", {"domains": []}), 400, "domains")
    assert_error(owner.patch(f"/sites/{site.public_key}", {"name": ""}), 400, "name")
    assert_error(owner.patch(f"/sites/{site.public_key}", {"public_key": "mine"}), 400, "public_key")
    assert sorted(Domain.objects.filter(site=site).values_list("host", flat=True)) == [
        "*.news.example",
        "news.example",
    ]


def test_instance_admins_add_sites(api, people):
    r = api("admin").post("/sites", {"name": "Fresh", "domains": ["fresh.example"]})
    assert r.status_code == 201 and r.json()["role"] == "owner"
    site = Site.objects.get(public_key=r.json()["key"])
    assert Membership.objects.get(site=site).user == people["admin"]
    assert_error(api("admin").post("/sites", {"name": "Bad", "domains": ["a b"]}), 400, "domains.0")
    assert_error(api("owner").post("/sites", {"name": "Mine", "domains": ["mine.example"]}), 403)


def test_overview_numbers(api, site):
    now = timezone.now()
    a = report(site, "a", 0, when=now - timedelta(days=40))
    report(site, "a", 0, when=now - timedelta(days=20))
    b = report(site, "b", 10, when=now - timedelta(days=3), url="https://news.example/other")
    c = report(site, "c", 20, when=now - timedelta(hours=2))
    Finding.objects.filter(pk=b.pk).update(status="fixed", status_changed=now - timedelta(days=1))
    Finding.objects.filter(pk=c.pk).update(status="spam")
    body = api("viewer").get(f"/sites/{site.public_key}/overview").json()
    assert body["findings"] == {"new": 1, "fixed": 1, "rejected": 0, "spam": 1, "duplicate": 0, "total": 3}
    assert body["open"] == 1 and body["fixed_last_30_days"] == 1 and body["pages_with_open_findings"] == 1
    assert body["reports"] == {"total": 4, "last_24h": 1, "last_7_days": 2, "last_30_days": 3}
    assert body["oldest_open"].startswith(a.created.date().isoformat())


def test_export_in_three_formats_for_any_member(api, site):
    report(site, suggestion="the", comment='=HYPERLINK("http://evil.example")')
    viewer = api("viewer", read_only=True)
    r = viewer.get(f"/sites/{site.public_key}/export")
    assert r["Content-Type"] == "application/json" and "attachment" in r["Content-Disposition"]
    doc = json.loads(b"".join(r.streaming_content))
    assert doc["format"] == "typodesk-findings" and len(doc["findings"]) == 1
    r = viewer.get(f"/sites/{site.public_key}/export", {"format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0]["exact"] == "teh" and rows[0]["comments"].startswith("'=")
    r = viewer.get(f"/sites/{site.public_key}/export", {"format": "jsonld"})
    assert r["Content-Type"].startswith("application/ld+json")
    assert json.loads(b"".join(r.streaming_content))["type"] == "AnnotationCollection"
    assert_error(viewer.get(f"/sites/{site.public_key}/export", {"format": "xml"}), 400, "format")


def test_owners_manage_members(api, site, people, make_user):
    owner = api("owner")
    make_user("new@news.example", None)
    listed = owner.get(f"/sites/{site.public_key}/members").json()
    assert [(m["email"], m["role"]) for m in listed] == [
        ("editor@news.example", "editor"),
        ("owner@news.example", "owner"),
        ("viewer@news.example", "viewer"),
    ]
    r = owner.post(f"/sites/{site.public_key}/members", {"email": "New@News.Example"})
    assert r.status_code == 201 and r.json()["role"] == "editor"
    new_id = r.json()["user_id"]
    assert_error(owner.post(f"/sites/{site.public_key}/members", {"email": "new@news.example"}), 409, "email")
    assert_error(
        owner.post(f"/sites/{site.public_key}/members", {"email": "ghost@news.example"}), 404, "email"
    )
    assert_error(
        owner.post(f"/sites/{site.public_key}/members", {"email": "x@news.example", "role": "boss"}),
        400,
        "role",
    )
    assert (
        owner.patch(f"/sites/{site.public_key}/members/{new_id}", {"role": "viewer"}).json()["role"]
        == "viewer"
    )
    assert owner.delete(f"/sites/{site.public_key}/members/{new_id}").status_code == 204
    assert_error(owner.delete(f"/sites/{site.public_key}/members/{new_id}"), 404, "user_id")


def test_a_site_keeps_an_owner(api, site, people):
    owner = api("owner")
    me = people["owner"].pk
    assert_error(owner.patch(f"/sites/{site.public_key}/members/{me}", {"role": "editor"}), 409, "role")
    assert_error(owner.delete(f"/sites/{site.public_key}/members/{me}"), 409, "user_id")
    owner.patch(f"/sites/{site.public_key}/members/{people['editor'].pk}", {"role": "owner"})
    assert owner.patch(f"/sites/{site.public_key}/members/{me}", {"role": "editor"}).status_code == 200
    # Now an editor: the same token can no longer manage members.
    assert_error(owner.get(f"/sites/{site.public_key}/members"), 403)


def test_a_removed_member_loses_access_at_once(api, site, people):
    f = report(site)
    editor = api("editor")
    assert editor.get(f"/findings/{f.pk}").status_code == 200
    api("owner").delete(f"/sites/{site.public_key}/members/{people['editor'].pk}")
    assert_error(editor.get(f"/findings/{f.pk}"), 404)


def test_another_sites_domain_is_a_409_and_new_domains_wait_for_their_proof(api, site, other_site):
    owner = api("owner")
    r = owner.patch(
        f"/sites/{site.public_key}", {"domains": ["news.example", "www.news.example", "*.Other.example"]}
    )
    assert_error(r, 409, "domains.2")
    assert "*.other.example overlaps other.example, a verified domain of another site" in r.json()["error"]
    assert site.domains.count() == 1  # nothing of the refused change was kept
    assert_error(
        api("admin").post("/sites", {"name": "Copy", "domains": ["x.example", "other.example"]}), 409
    )
    assert not Site.objects.filter(name="Copy").exists()

    body = owner.patch(f"/sites/{site.public_key}", {"domains": ["news.example", "paper.example"]}).json()
    assert body["domains"] == ["news.example", "paper.example"]
    verified, pending = body["domain_states"]
    assert verified["state"] == "verified" and verified["verification"] is None
    token = Domain.objects.get(host="paper.example").token
    assert pending["state"] == "pending" and pending["verified_at"] is None and pending["checked_at"] is None
    assert pending["verification"] == {
        "file_url": "https://paper.example/.well-known/typodesk-verification.txt",
        "file_content": token,
        "meta_tag": f'<meta name="typodesk-verification" content="{token}">',
        "home_url": "https://paper.example/",
    }
    assert site.hosts() == ["news.example"]
    # Members who are not owners see the state, not the proof.
    states = api("viewer").get(f"/sites/{site.public_key}").json()["domain_states"]
    assert [(d["host"], d["state"], d["verification"]) for d in states] == [
        ("news.example", "verified", None),
        ("paper.example", "pending", None),
    ]
    assert_error(api("editor").post(f"/sites/{site.public_key}/domains/paper.example/check", {}), 403)
    assert_error(owner.post(f"/sites/{site.public_key}/domains/nope.example/check", {}), 404, "host")
    assert_error(owner.post(f"/sites/{site.public_key}/domains/a b/check", {}), 400, "host")

    r = api("admin").post("/sites", {"name": "Fresh", "domains": ["fresh.example"]})
    assert [d["state"] for d in r.json()["domain_states"]] == ["pending"]
