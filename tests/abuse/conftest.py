"""Shared by the abuse tests: a site, and a report body the way the widget sends it."""

from __future__ import annotations

import json

import pytest

from typodesk.abuse.policy import forget

URL = "/api/v1/reports"


@pytest.fixture(autouse=True)
def _fresh_policies():
    from typodesk.ingest import ratelimit

    reset = getattr(ratelimit, "reset_local", lambda: None)  # buckets remembered empty in this process
    forget()
    reset()
    yield
    forget()
    reset()


@pytest.fixture
def site(make_site):
    return make_site(domains=["news.example"])


def body(site, n: int = 0, **over) -> dict:
    exact = "teh"
    data = {
        "site": site.public_key,
        "url": f"https://news.example/story-{n}",
        "title": "A story",
        "lang": "en",
        "quote": {
            "exact": exact,
            "prefix": "It was ",
            "suffix": " best",
            "start": 7 + 10 * n,
            "end": 10 + 10 * n,
        },
        "suggestion": "the",
    }
    data.update(over)
    return data


def post(client, data, ip: str = "192.0.2.1", **extra):
    return client.post(URL, json.dumps(data), content_type="application/json", REMOTE_ADDR=ip, **extra)
