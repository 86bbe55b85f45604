"""Fixtures of the REST API tests: a site with one member of each role, tokens, a client."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from typodesk.apiv1.tokens import create_token
from typodesk.findings.services import Quote, record_report

ROLES = ("owner", "editor", "viewer")


def report(
    site, exact="teh", start=7, *, url=None, prefix="It was ", suffix=" best of times", when=None, **kw
):
    """A reader's report through the service the report API uses."""
    return record_report(
        site,
        url=url or f"https://{site.hosts()[0]}/story",
        quote=Quote(exact, prefix, suffix, start, start + len(exact)),
        title=kw.pop("title", "A story"),
        when=when,
        **kw,
    ).finding


@dataclass
class Api:
    """The Django test client with a bearer token (or none)."""

    client: object
    token: str | None

    def _headers(self, extra=None) -> dict:
        h = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        return h | (extra or {})

    def get(self, path, params=None, **extra):
        return self.client.get("/api/v1" + path, params or {}, **self._headers(extra))

    def _send(self, method, path, body, **extra):
        raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            "/api/v1" + path, raw, content_type="application/json", **self._headers(extra)
        )

    def post(self, path, body=None, **extra):
        return self._send("post", path, {} if body is None else body, **extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, {} if body is None else body, **extra)

    def put(self, path, body=None, **extra):
        return self._send("put", path, {} if body is None else body, **extra)

    def delete(self, path, **extra):
        return self.client.delete("/api/v1" + path, **self._headers(extra))


@pytest.fixture
def people(make_user):
    # No passwords: tokens and force_login need none, and argon2 would cost a second per test.
    users = {role: make_user(f"{role}@news.example", None) for role in ROLES}
    users["outsider"] = make_user("outsider@other.example", None)
    users["admin"] = make_user("admin@typodesk.example", None, is_superuser=True, is_staff=True)
    return users


@pytest.fixture
def site(make_site, people):
    return make_site(name="News Example", domains=["news.example"], members=[(people[r], r) for r in ROLES])


@pytest.fixture
def other_site(make_site, people):
    """A site of the outsider's, which nobody of `site` can see (the admin can)."""
    return make_site(name="Other", domains=["other.example"], members=[(people["outsider"], "owner")])


@pytest.fixture
def api(client, people):
    """``api("editor")``: a client with a fresh token of that person; keywords go to create_token."""

    def make(who: str | None = None, **kw) -> Api:
        if who is None:
            return Api(client, None)
        _, secret = create_token(people[who], **kw)
        return Api(client, secret)

    return make


def assert_error(r, status: int, field="__any__"):
    """Every error answer has the report API's shape: {"error": message, "field": name or null}."""
    assert r.status_code == status, (r.status_code, r.content[:500])
    body = r.json()
    assert set(body) == {"error", "field"}, body
    assert isinstance(body["error"], str) and body["error"]
    if field != "__any__":
        assert body["field"] == field, body
    return body
