"""The desk's protection page: owners change limits, proof-of-work and blocklists; editors and
viewers read; non-members get a 404 like for a site that does not exist."""

from __future__ import annotations

import re

import pytest

from tests.abuse.conftest import body, post
from typodesk.abuse.models import BlockedClient, BlockedWord, Protection
from typodesk.ingest import refusals
from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)
HASH = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def people(site, make_user):
    out = {}
    for role in ("owner", "editor", "viewer"):
        user = make_user(f"{role}@news.example")
        Membership.objects.create(site=site, user=user, role=role)
        out[role] = user
    out["stranger"] = make_user("stranger@else.example")
    return out


def page_url(site, rest: str = "") -> str:
    return f"/desk/sites/{site.public_key}/protection/{rest}"


def test_the_page_shows_refusals_by_reason_and_period(client, site, people):
    post(client, body(site, website="bot"))
    post(client, body(site, 1, website="bot"))
    post(client, body(site, 2, elapsed=1))
    refusals.flush()
    client.force_login(people["viewer"])
    html = client.get(page_url(site)).content.decode()
    assert 'data-reason="honeypot"' in html and 'data-reason="too_fast"' in html
    row = html.split('data-reason="honeypot"')[1].split("</tr>")[0]
    assert len(re.findall(r'<td class="n"[^>]*>2</td>', row)) == 3  # today, 7 days, 30 days
    assert "Hidden field filled in" in html


def test_roles(client, site, people):
    client.force_login(people["stranger"])
    assert client.get(page_url(site)).status_code == 404
    assert client.post(page_url(site, "pow/"), {"pow": "on"}).status_code == 404
    for role in ("editor", "viewer"):
        client.force_login(people[role])
        html = client.get(page_url(site)).content.decode()
        assert (
            "Only the site's owners change these settings" in html
            and "<form" not in html.split("</nav>")[1].split('<form class="logout"')[0]
        )
        assert client.post(page_url(site, "pow/"), {"pow": "on"}).status_code == 403
        assert client.post(page_url(site, "block/"), {"client_hash": HASH}).status_code == 403
        assert client.post(page_url(site, "words/"), {"word": "casino"}).status_code == 403
    assert (
        not Protection.objects.exists()
        and not BlockedClient.objects.exists()
        and not BlockedWord.objects.exists()
    )
    client.logout()
    assert client.get(page_url(site)).status_code == 302  # to the login page


def test_owner_switches_proof_of_work(client, site, people):
    client.force_login(people["owner"])
    r = client.post(page_url(site, "pow/"), {"pow": "on"})
    assert r.status_code == 302
    assert Protection.objects.get(site=site).pow_required
    assert client.get(f"/widget/site/{site.public_key}").json()["pow"] is True
    assert post(client, body(site)).status_code == 400  # no solution: refused at once
    assert "Stop requiring proof-of-work" in client.get(page_url(site)).content.decode()
    client.post(page_url(site, "pow/"), {"pow": "off"})
    assert not Protection.objects.get(site=site).pow_required
    assert post(client, body(site)).status_code == 201


def test_owner_sets_limits_and_empty_means_default(client, site, people):
    client.force_login(people["owner"])
    r = client.post(
        page_url(site, "limits/"), {"client_burst": "1", "client_per_minute": "1", "min_seconds": "0.5"}
    )
    assert r.status_code == 302
    row = Protection.objects.get(site=site)
    assert (row.client_burst, row.client_per_minute, row.min_seconds, row.site_burst) == (1, 1, 0.5, None)
    assert row.updated_by == people["owner"]
    assert post(client, body(site, 0, elapsed=600)).status_code == 201
    assert post(client, body(site, 1, elapsed=600)).status_code == 429
    html = client.get(page_url(site)).content.decode()
    assert 'placeholder="default: 600"' in html  # the site limit left to the default


@pytest.mark.parametrize(
    ("field", "value"),
    [("client_burst", "0"), ("client_per_minute", "many"), ("min_seconds", "61"), ("max_links", "-1")],
)
def test_bad_limits_are_refused_with_a_message(client, site, people, field, value):
    client.force_login(people["owner"])
    r = client.post(page_url(site, "limits/"), {field: value})
    assert r.status_code == 400
    assert "errorlist" in r.content.decode()
    assert not Protection.objects.exists()


def test_owner_blocks_and_unblocks_a_reader(client, site, people):
    client.force_login(people["owner"])
    assert client.post(page_url(site, "block/"), {"client_hash": HASH.upper()}).status_code == 302
    blocked = BlockedClient.objects.get(site=site)
    assert blocked.client_hash == HASH and blocked.added_by == people["owner"]
    assert HASH in client.get(page_url(site)).content.decode()
    r = client.post(page_url(site, "block/"), {"client_hash": "not a hash"})
    assert r.status_code == 400 and "32 characters" in r.content.decode()
    client.post(page_url(site, "block/"), {"client_hash": HASH})  # twice: still one
    assert BlockedClient.objects.count() == 1
    assert client.post(page_url(site, f"block/{blocked.pk}/delete/")).status_code == 302
    assert not BlockedClient.objects.exists()


def test_owner_manages_words(client, site, people, make_site):
    client.force_login(people["owner"])
    client.post(page_url(site, "words/"), {"word": "  cheap   pills "})
    client.post(page_url(site, "words/"), {"word": "CHEAP PILLS"})  # the same, in another case
    assert list(BlockedWord.objects.values_list("word", flat=True)) == ["cheap pills"]
    r = post(client, body(site, comment="Cheap pills here"))
    assert r.status_code == 201
    from typodesk.findings.models import Finding

    assert Finding.objects.get(pk=r.json()["finding"]).status == "spam"
    word = BlockedWord.objects.get()
    other = make_site("Other", domains=["other.example"])  # another site's entry is out of reach
    foreign = BlockedWord.objects.create(site=other, word="x")
    client.post(f"/desk/sites/{site.public_key}/protection/words/{foreign.pk}/delete/")
    assert BlockedWord.objects.filter(pk=foreign.pk).exists()
    client.post(page_url(site, f"words/{word.pk}/delete/"))
    assert not BlockedWord.objects.filter(site=site).exists()
    assert client.post(page_url(site, "words/"), {"word": "   "}).status_code == 400


def test_the_index_lists_the_users_sites(client, site, people, make_site):
    client.force_login(people["owner"])
    assert client.get("/desk/protection/")["Location"] == page_url(site)
    other = make_site("Other", domains=["other.example"], members=[(people["owner"], "viewer")])
    html = client.get("/desk/protection/").content.decode()
    assert page_url(site) in html and page_url(other) in html


def test_todays_busiest_readers_can_be_blocked_from_the_page(client, site, people):
    from typodesk.ingest.client import client_hash

    for i in range(3):
        post(client, body(site, i), ip="203.0.113.9")
    post(client, body(site, 5, comment="http://a.example http://b.example"), ip="203.0.113.9")
    post(client, body(site, 6), ip="203.0.113.10")

    class Req:
        META = {"REMOTE_ADDR": "203.0.113.9"}

    busy = client_hash(Req)
    client.force_login(people["owner"])
    html = client.get(page_url(site)).content.decode()
    rows = html.split('<table class="readers">')[1].split("</table>")[0].split("<tr>")[2:]
    assert busy in rows[0] and re.search(r'<td class="n"[^>]*>4</td><td class="n"[^>]*>1</td>', rows[0])
    assert len(rows) == 2
    assert "203.0.113" not in html  # hashes, never addresses
    client.post(page_url(site, "block/"), {"client_hash": busy})
    assert post(client, body(site, 7), ip="203.0.113.9").status_code == 403
    assert post(client, body(site, 8), ip="203.0.113.10").status_code == 201
    client.force_login(people["viewer"])
    html = client.get(page_url(site)).content.decode()
    assert busy in html and "Block this reader" not in html
