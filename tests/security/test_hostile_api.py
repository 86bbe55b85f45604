"""Hostile inputs in every field of the report API: a clear 4xx or a stored report, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.security.hostile import BAD_STRINGS, string_corpus
from typodesk.findings.models import Report

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/reports"
FIELDS = ["exact", "prefix", "suffix", "suggestion", "comment", "title", "lang", "url", "site"]


@pytest.fixture
def site(make_site, settings):
    settings.TYPODESK_RATE_BURST = 10**9
    return make_site(domains=["news.example"])


def report(site, field, value):
    quote = {"exact": "teh", "prefix": "", "suffix": "", "start": 0, "end": 3}
    data = {
        "site": site.public_key,
        "url": "https://news.example/a",
        "title": "t",
        "lang": "en",
        "quote": quote,
    }
    if field in ("exact", "prefix", "suffix"):
        quote[field] = value
        if field == "exact":
            quote["end"] = len(value)
    else:
        data[field] = value
    return data


def check(r):
    assert r.status_code in (201, 400, 403, 413), (r.status_code, r.content[:300])
    body = r.json()
    if r.status_code != 201:
        assert isinstance(body["error"], str) and body["error"]
    return r.status_code


def test_every_hostile_string_in_every_field(client, site):
    tried = 0
    for field in FIELDS:
        for value in string_corpus() + BAD_STRINGS:
            data = report(site, field, value)
            raw = json.dumps(data, ensure_ascii=True)  # surrogates survive only as \\u escapes
            check(client.post(URL, raw, content_type="text/plain"))
            tried += 1
    assert tried >= 300
    stored = Report.objects.count()
    assert stored > 0
    # Everything that was stored is byte-for-byte what was sent (no silent mangling).
    assert Report.objects.filter(comment="'; DROP TABLE findings_finding; --").exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00\x00",
        b'{"site": "\xc3\x28"}',
        b'{"site": "\xed\xa0\x80"}',
        b"[" * 100_000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"site": 1e999}',
        b'{"quote": {"start": 1e400, "end": 1}}',
        b'{"quote": {"start": 99999999999999999999999999, "end": 1}}',
        b"\x00" * 100,
        b"<xml/>",
        b"site=abc&url=x",
    ],
)
def test_malformed_bodies(client, site, raw):
    check(client.post(URL, raw[:16000] if len(raw) > 16000 else raw, content_type="application/json"))


@pytest.mark.parametrize("size", [16 * 1024 + 1, 1024 * 1024, 3 * 1024 * 1024])
def test_oversized_bodies_are_413(client, site, size):
    data = report(site, "comment", "x" * size)
    r = client.post(URL, json.dumps(data), content_type="application/json")
    assert r.status_code == 413


@pytest.mark.parametrize(
    "value",
    [None, True, -1, 1.5, [], {}, ["x"], {"$gt": ""}, 10**30],
)
@pytest.mark.parametrize("field", ["site", "url", "suggestion", "comment", "exact", "start"])
def test_wrong_types(client, site, field, value):
    data = report(site, "comment", "")
    if field in ("exact", "start"):
        data["quote"][field] = value
    else:
        data[field] = value
    assert check(client.post(URL, json.dumps(data), content_type="application/json")) == 400
