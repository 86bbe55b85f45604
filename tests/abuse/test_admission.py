"""The defences of admission through the report API and the Orphus form: rate limits per reader,
site and server, the honeypot, the minimum time, the blocklist; refusals counted by reason."""

from __future__ import annotations

import pytest

from tests.abuse.conftest import body, post
from typodesk.abuse.models import BlockedClient, Protection
from typodesk.findings.models import Report
from typodesk.ingest import refusals

pytestmark = pytest.mark.django_db(transaction=True)


def counted(site) -> dict:
    refusals.flush()
    return refusals.totals(site)


def test_site_limit_holds_whatever_the_readers_address(client, site, settings):
    settings.TYPODESK_SITE_RATE_BURST = 3
    settings.TYPODESK_SITE_RATE_PER_MINUTE = 1
    codes = [post(client, body(site, i), ip=f"192.0.2.{i + 1}").status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    r = post(client, body(site, 9), ip="198.51.100.7")
    assert r.status_code == 429
    assert int(r["Retry-After"]) >= 1
    assert r.json()["error"].startswith(
        "This site is receiving too many reports right now. Please try again in"
    )
    assert counted(site) == {"rate_site": 3}
    assert Report.objects.count() == 3


def test_one_sites_flood_leaves_another_site_alone(client, site, make_site, settings):
    settings.TYPODESK_SITE_RATE_BURST = 1
    settings.TYPODESK_SITE_RATE_PER_MINUTE = 1  # no refill while the test runs, however slow
    other = make_site("Other", domains=["other.example"])
    assert post(client, body(site, 0)).status_code == 201
    assert post(client, body(site, 1), ip="192.0.2.2").status_code == 429
    r = post(client, body(other, 0, url="https://other.example/a"), ip="192.0.2.3")
    assert r.status_code == 201


def test_global_limit(client, site, make_site, settings):
    settings.TYPODESK_GLOBAL_RATE_BURST = 2
    settings.TYPODESK_GLOBAL_RATE_PER_MINUTE = 1
    other = make_site("Other", domains=["other.example"])
    assert post(client, body(site, 0), ip="192.0.2.1").status_code == 201
    assert post(client, body(other, 0, url="https://other.example/a"), ip="192.0.2.2").status_code == 201
    r = post(client, body(site, 1), ip="192.0.2.3")
    assert r.status_code == 429 and "server is receiving too many reports" in r.json()["error"]
    assert counted(site) == {"rate_global": 1}


def test_a_sites_own_limits_replace_the_defaults(client, site):
    Protection.objects.create(site=site, client_burst=1, client_per_minute=1)
    assert post(client, body(site, 0)).status_code == 201
    r = post(client, body(site, 1))
    assert r.status_code == 429 and "from your connection" in r.json()["error"]
    assert post(client, body(site, 2), ip="192.0.2.99").status_code == 201  # another reader
    row = Protection.objects.get(site=site)
    row.client_burst = 2
    row.save()  # a save (as the desk does) refreshes this process's cached policy at once
    assert [post(client, body(site, 3 + i), ip="192.0.2.50").status_code for i in range(3)] == [201, 201, 429]


def test_a_refused_reader_costs_the_site_no_token(client, site, settings):
    settings.TYPODESK_RATE_BURST = 1
    settings.TYPODESK_SITE_RATE_BURST = 2
    settings.TYPODESK_SITE_RATE_PER_MINUTE = 1
    assert post(client, body(site, 0), ip="192.0.2.1").status_code == 201
    for i in range(10):  # the flooder is refused by its own bucket first
        assert post(client, body(site, i + 1), ip="192.0.2.1").status_code == 429
    assert post(client, body(site, 20), ip="192.0.2.2").status_code == 201
    assert counted(site) == {"rate_client": 10}


def test_honeypot_is_refused(client, site):
    r = post(client, body(site, website="http://cheap-pills.example"))
    assert r.status_code == 400
    assert r.json()["field"] == "website"
    assert "hidden from people" in r.json()["error"]
    assert post(client, body(site, 1, website="")).status_code == 201
    assert counted(site) == {"honeypot": 1}
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("elapsed", "status"), [(0, 400), (1499, 400), (1500, 201), (60_000, 201), (None, 201)]
)
def test_minimum_time_between_opening_and_sending(client, site, elapsed, status):
    data = body(site) if elapsed is None else body(site, elapsed=elapsed)
    r = post(client, data)
    assert r.status_code == status, r.content
    if status == 400:
        assert r.json()["field"] == "elapsed"
        assert "less than 1.5 seconds after the dialog opened" in r.json()["error"]
        assert "send it again" in r.json()["error"]
        assert counted(site) == {"too_fast": 1}


def test_a_site_sets_its_own_minimum_time(client, site):
    Protection.objects.create(site=site, min_seconds=0)
    assert post(client, body(site, elapsed=0)).status_code == 201
    Protection.objects.filter(site=site).delete()
    Protection.objects.create(site=site, min_seconds=5)
    r = post(client, body(site, 1, elapsed=4000))
    assert r.status_code == 400 and "less than 5 seconds" in r.json()["error"]


def test_elapsed_must_be_a_number_of_milliseconds(client, site):
    for bad in (-1, "fast", 1.5, True):
        r = post(client, body(site, elapsed=bad))
        assert r.status_code == 400 and r.json()["field"] == "elapsed", (bad, r.content)


def test_a_blocked_reader_is_refused_everywhere(client, site):
    from typodesk.ingest.client import client_hash

    class Req:
        META = {"REMOTE_ADDR": "203.0.113.5"}

    BlockedClient.objects.create(site=site, client_hash=client_hash(Req))
    r = post(client, body(site), ip="203.0.113.5")
    assert r.status_code == 403 and "blocked on this site" in r.json()["error"]
    form = "ref=https%3A%2F%2Fnews.example%2Fa&c_sel=teh&c_pre=It+was+&c_suf=+best&charset=utf-8"
    r = client.post(
        "/orphus", form, content_type="application/x-www-form-urlencoded", REMOTE_ADDR="203.0.113.5"
    )
    assert r.status_code == 403 and b"blocked on this site" in r.content
    assert post(client, body(site), ip="203.0.113.6").status_code == 201
    assert counted(site) == {"blocked": 2}


def test_admission_takes_a_plain_mapping_without_a_request(site):
    from typodesk.ingest.admission import Refused, admit

    got = admit(
        site, page_url="https://news.example/a", origin=None, client="c" * 32, report={"comment": "fine"}
    )
    assert got.client == "c" * 32 and got.spam == ""
    with pytest.raises(Refused) as exc:
        admit(site, page_url="https://news.example/a", origin=None, client="c" * 32, report={"honeypot": "x"})
    assert (exc.value.status, exc.value.reason) == (400, "honeypot")
    # The old call without a report still works.
    assert admit(site, page_url="https://news.example/a", origin=None, client="d" * 32).spam == ""
