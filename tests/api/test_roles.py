"""Every endpoint, every role: the desk's membership and role rules hold for each API call.

The matrix names each operation of the OpenAPI document that takes a token; a new endpoint
without a row here fails ``test_the_matrix_covers_every_operation``.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, report

pytestmark = pytest.mark.django_db

# kind -> who succeeds; everyone else gets the status given in DENIED
ALLOWED = {
    "read": {"owner", "editor", "viewer", "admin"},
    "edit": {"owner", "editor", "admin"},
    "owner": {"owner", "admin"},
    "admin": {"admin"},
}
# (operation id, method, path, body, kind, success status); {f}, {g}: findings of the site,
# {key}: its public key, {viewer}: the viewer's user id.
MATRIX = [
    ("listSites", "get", "/sites", None, "read", 200),
    ("getSite", "get", "/sites/{key}", None, "read", 200),
    ("getSiteOverview", "get", "/sites/{key}/overview", None, "read", 200),
    ("exportSite", "get", "/sites/{key}/export?format=csv", None, "read", 200),
    ("listFindings", "get", "/findings?site={key}", None, "read", 200),
    ("getFinding", "get", "/findings/{f}", None, "read", 200),
    ("changeFinding", "patch", "/findings/{f}", {"status": "fixed"}, "edit", 200),
    ("changeFindings", "post", "/findings/bulk", {"ids": ["{f}", "{g}"], "status": "spam"}, "edit", 200),
    ("recheckFinding", "post", "/findings/{f}/recheck", {}, "edit", 202),
    ("changeSite", "patch", "/sites/{key}", {"name": "Renamed"}, "owner", 200),
    ("listMembers", "get", "/sites/{key}/members", None, "owner", 200),
    (
        "addMember",
        "post",
        "/sites/{key}/members",
        {"email": "new@news.example", "role": "viewer"},
        "owner",
        201,
    ),
    ("changeMember", "patch", "/sites/{key}/members/{viewer}", {"role": "editor"}, "owner", 200),
    ("removeMember", "delete", "/sites/{key}/members/{viewer}", None, "owner", 204),
    ("createSite", "post", "/sites", {"name": "New", "domains": ["new.example"]}, "admin", 201),
    ("checkDomain", "post", "/sites/{key}/domains/news.example/check", {}, "owner", 200),
    ("getCorrection", "get", "/findings/{f}/correction", None, "read", 200),
    (
        "putCorrection",
        "put",
        "/findings/{g}/correction",
        {"kind": "correction", "text": "Fixed."},
        "edit",
        200,
    ),
    ("withdrawCorrection", "delete", "/findings/{f}/correction", None, "edit", 204),
]
WHO = ["owner", "editor", "viewer", "outsider", "admin"]


@pytest.fixture
def world(site, other_site, people, make_user):
    make_user("new@news.example", None)
    from typodesk.corrections.services import publish

    f = report(site, "teh", 7)
    g = report(site, "recieve", 40)
    publish(f, people["editor"], text="An earlier version said “teh”.", kind="correction")
    report(other_site, "colour", 3)
    return {"key": site.public_key, "f": f.pk, "g": g.pk, "viewer": people["viewer"].pk}


def fill(value, world):
    if isinstance(value, str):
        out = value.format(**world)
        return int(out) if value.startswith("{") and out.isdigit() else out
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    return value


def call(client, method, path, body, world):
    path = fill(path, world)
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, fill(body, world))


def denied_status(kind: str, who: str) -> int:
    """Not a member: 404, as if the site did not exist (the desk's rule); a member without the
    role: 403. Creating a site is refused (403) to all but instance admins."""
    if kind == "admin":
        return 403
    return 404 if who == "outsider" else 403


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("op,method,path,body,kind,ok", MATRIX, ids=[m[0] for m in MATRIX])
def test_role_rules(api, world, who, op, method, path, body, kind, ok):
    r = call(api(who), method, path, body, world)
    if who in ALLOWED[kind]:
        assert r.status_code == ok, (r.status_code, r.content[:300])
    elif op in ("listSites", "listFindings") and who == "outsider":
        # Lists are never refused: they hold what the caller may see. The outsider filters by a
        # site that is not theirs, which is a 404 for listFindings; listSites shows their own.
        if op == "listFindings":
            assert_error(r, 404, "site")
        else:
            assert [s["key"] for s in r.json()] == [s["key"] for s in r.json() if s["key"] != world["key"]]
    else:
        assert_error(r, denied_status(kind, who))


@pytest.mark.parametrize("op,method,path,body,kind,ok", MATRIX, ids=[m[0] for m in MATRIX])
def test_every_endpoint_needs_a_token(api, world, op, method, path, body, kind, ok):
    r = call(api(None), method, path, body, world)
    assert_error(r, 401, "authorization")
    assert r["WWW-Authenticate"].startswith("Bearer")


WRITES = [m for m in MATRIX if m[1] != "get"]


@pytest.mark.parametrize("op,method,path,body,kind,ok", WRITES, ids=[m[0] for m in WRITES])
def test_read_only_tokens_cannot_write(api, world, op, method, path, body, kind, ok):
    r = call(api("admin", read_only=True), method, path, body, world)
    assert_error(r, 403, "authorization")


READS = [m for m in MATRIX if m[1] == "get"]


@pytest.mark.parametrize("op,method,path,body,kind,ok", READS, ids=[m[0] for m in READS])
def test_read_only_tokens_read(api, world, op, method, path, body, kind, ok):
    r = call(api("owner", read_only=True), method, path, body, world)
    assert r.status_code == ok


SITE_BOUND = [m for m in MATRIX if "{key}" in m[2] or "{f}" in m[2] or "{f}" in str(m[3])]


@pytest.mark.parametrize("op,method,path,body,kind,ok", SITE_BOUND, ids=[m[0] for m in SITE_BOUND])
def test_a_token_for_another_site_sees_nothing_of_this_one(
    api, world, other_site, op, method, path, body, kind, ok
):
    """The admin sees every site, but a token limited to one site narrows that."""
    r = call(api("admin", site=other_site), method, path, body, world)
    assert_error(r, 404)


def test_a_site_token_lists_only_its_site(api, world, site, other_site):
    r = api("admin", site=other_site).get("/sites")
    assert [s["key"] for s in r.json()] == [other_site.public_key]
    items = api("admin", site=other_site).get("/findings").json()["items"]
    assert {f["site"] for f in items} == {other_site.public_key}
    assert_error(api("admin", site=other_site).post("/sites", {"name": "X", "domains": ["x.example"]}), 403)


def test_the_matrix_covers_every_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    with_token = {
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if {"TokenAuth": []} in op.get("security", [])
    }
    assert with_token == {m[0] for m in MATRIX}
