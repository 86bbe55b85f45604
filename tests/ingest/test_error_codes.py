"""A refused report says why as a machine word (``code``) and, when it is worth waiting,
``retry_after`` seconds, beside the English ``error``: the widget tells its reader in their own
language from these (docs/api.md, "Errors of the report endpoint")."""

from __future__ import annotations

import pytest

from tests.ingest.test_report_api import body, post
from typodesk.ingest import endpoint
from typodesk.ingest.schemas import ReportErrorOut

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(make_site):
    return make_site(domains=["news.example"])


def test_429_has_code_and_retry_after_matching_the_header_and_the_message(client, site, settings):
    settings.TYPODESK_RATE_BURST = 1
    settings.TYPODESK_RATE_PER_MINUTE = 1  # a token a minute: the wait is tens of seconds
    assert post(client, body(site), REMOTE_ADDR="198.51.100.7").status_code == 201
    for _ in range(2):  # refused by admission, then by the endpoint's memory of the reader
        r = post(client, body(site), REMOTE_ADDR="198.51.100.7")
        assert r.status_code == 429
        j = r.json()
        assert j["code"] == "rate_limited" and j["field"] is None
        assert j["retry_after"] == int(r.headers["Retry-After"]) and 1 < j["retry_after"] <= 60
        assert j["error"].endswith(f"try again in {j['retry_after']} seconds.")
        ReportErrorOut.model_validate(j)


def test_a_single_second_is_said_in_the_singular(client, site, settings, monkeypatch):
    settings.TYPODESK_RATE_BURST = 1
    settings.TYPODESK_RATE_PER_MINUTE = 60  # a token a second
    assert post(client, body(site), REMOTE_ADDR="198.51.100.8").status_code == 201
    r = post(client, body(site), REMOTE_ADDR="198.51.100.8")
    assert r.status_code == 429 and r.json()["retry_after"] == 1
    assert r.json()["error"].endswith("try again in 1 second.")


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"site": "no-such-key"}, 403, "unknown_site", "site"),
        ({"url": "https://evil.example/a"}, 403, "domain", "url"),
        ({"quote": {"end": 99}}, 400, "bad_body", "quote"),
        ({"website": "https://spam.example"}, 400, "honeypot", "website"),
        ({"comment": "x" * 17000}, 413, "too_large", "body"),
    ],
)
def test_other_refusals_have_their_code_and_no_wait(client, site, change, status, code, field):
    r = post(client, body(site, **change))
    j = r.json()
    assert (r.status_code, j["code"], j["field"], j["retry_after"]) == (status, code, field, None)
    assert j["error"]


def test_a_foreign_origin_has_its_code(client, site):
    r = post(client, body(site), HTTP_ORIGIN="https://evil.example")
    assert (r.status_code, r.json()["code"]) == (403, "origin")


def test_a_wrong_method_is_not_a_refused_report(client):
    assert set(client.get("/api/v1/reports").json()) == {"error", "field"}


def test_codes_of_the_rate_limits_are_one_word():
    assert {endpoint.code_of(r) for r in ("rate_client", "rate_site", "rate_global")} == {"rate_limited"}
    assert endpoint.code_of("busy") == endpoint.code_of("unavailable") == "unavailable"
    assert endpoint.code_of("blocked") == "blocked"


def test_the_openapi_document_describes_code_and_retry_after(client):
    doc = client.get("/api/v1/openapi.json").json()
    error = doc["components"]["schemas"]["ReportErrorOut"]
    assert {"error", "field", "code", "retry_after"} <= set(error["properties"])
    answers = doc["paths"]["/api/v1/reports"]["post"]["responses"]
    assert answers["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReportErrorOut")
