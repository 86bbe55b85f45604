"""Proof-of-work (ALTCHA format): a public challenge, a solution accepted once, never twice, never
after it expired, never for another site; without one a site that asks for it refuses (``pow``)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.abuse.conftest import body, post
from typodesk.abuse import pow as proof
from typodesk.abuse.models import Protection, UsedSolution
from typodesk.ingest import refusals

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def guarded(site, settings):
    settings.TYPODESK_POW_MAX_NUMBER = 2000  # quick to solve in a test
    Protection.objects.create(site=site, pow_required=True)
    return site


def challenge(client, site) -> dict:
    r = client.get(f"/widget/pow/{site.public_key}")
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store" and r["Access-Control-Allow-Origin"] == "*"
    assert not r.cookies
    return r.json()


def test_the_challenge_is_altcha_and_signed(client, guarded):
    c = challenge(client, guarded)
    assert set(c) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert c["algorithm"] == "SHA-256" and c["maxNumber"] == 2000
    assert f"site={guarded.public_key}" in c["salt"] and "expires=" in c["salt"]
    assert client.get("/widget/pow/nosuchsite").status_code == 404


def test_a_solution_is_accepted_once(client, guarded):
    solution = proof.solve(challenge(client, guarded))
    assert post(client, body(guarded, 0, pow=solution)).status_code == 201
    r = post(client, body(guarded, 1, pow=solution), ip="192.0.2.2")
    assert r.status_code == 400 and r.json()["field"] == "pow"
    assert "already used" in r.json()["error"]
    assert UsedSolution.objects.count() == 1


def test_missing_when_required_is_refused(client, guarded, site):
    r = post(client, body(guarded))
    assert r.status_code == 400 and r.json()["field"] == "pow"
    assert "proof-of-work" in r.json()["error"]
    refusals.flush()
    assert refusals.totals(site) == {"pow": 1}


def test_not_required_means_not_checked(client, site):
    assert post(client, body(site)).status_code == 201
    assert post(client, body(site, 1, pow="garbage")).status_code == 201


def test_expired_is_refused(client, guarded, settings):
    c = proof.challenge(
        guarded.public_key, now=timezone.now() - timedelta(seconds=settings.TYPODESK_POW_EXPIRES + 1)
    )
    r = post(client, body(guarded, pow=proof.solve(c)))
    assert r.status_code == 400 and "expired" in r.json()["error"]


def test_another_sites_solution_is_refused(client, guarded, make_site):
    other = make_site("Other", domains=["other.example"])
    r = post(client, body(guarded, pow=proof.solve(proof.challenge(other.public_key))))
    assert r.status_code == 400 and "another site" in r.json()["error"]


def _payload(**fields) -> str:
    return base64.b64encode(json.dumps(fields).encode()).decode()


def test_forged_and_malformed_solutions_are_refused(client, guarded):
    c = proof.challenge(guarded.public_key)
    good = json.loads(base64.b64decode(proof.solve(c)))
    wrong_number = _payload(**{**good, "number": good["number"] + 1})
    forged = proof.solve(proof.challenge(guarded.public_key) | {"signature": "0" * 64})
    # An attacker who knows the format signs their own challenge with a key of their own.
    import altcha

    own = altcha.create_challenge_v1(
        algorithm="SHA-256",
        max_number=10,
        salt_length=12,
        hmac_key="not the server's",
        salt="",
        number=None,
        expires=timezone.now() + timedelta(minutes=5),
        params={"site": guarded.public_key},
    ).to_dict()
    for bad in (
        "x",
        "e30=",
        _payload(a=1),
        wrong_number,
        forged,
        proof.solve(own),
        "A" * 3000,
        _payload(**{**good, "number": True}),
        base64.b64encode(b"[1,2]").decode(),
    ):
        r = post(client, body(guarded, pow=bad))
        assert r.status_code == 400 and r.json()["field"] == "pow", (bad[:40], r.content)
    assert UsedSolution.objects.count() == 0


def test_orphus_reports_are_refused_while_required(client, guarded):
    form = "ref=https%3A%2F%2Fnews.example%2Fa&c_sel=teh&c_pre=It+was+&c_suf=+best&charset=utf-8"
    r = client.post("/orphus", form, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and b"proof-of-work" in r.content


def test_a_rate_limited_report_does_not_use_up_its_solution(client, guarded, settings):
    settings.TYPODESK_RATE_BURST = 1
    assert post(client, body(guarded, 0, pow=proof.solve(challenge(client, guarded)))).status_code == 201
    solution = proof.solve(challenge(client, guarded))
    assert post(client, body(guarded, 1, pow=solution)).status_code == 429
    assert post(client, body(guarded, 1, pow=solution), ip="192.0.2.9").status_code == 201


def test_the_purge_forgets_expired_solutions(guarded):
    now = timezone.now()
    UsedSolution.objects.create(challenge="a" * 64, expires=now - timedelta(seconds=1))
    UsedSolution.objects.create(challenge="b" * 64, expires=now + timedelta(minutes=5))
    assert proof.purge(now) == 1
    assert list(UsedSolution.objects.values_list("challenge", flat=True)) == ["b" * 64]
