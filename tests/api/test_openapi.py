"""One OpenAPI document for the report API and the REST API, every error documented, and the
interactive reference served by typodesk itself."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_one_document_describes_the_report_api_and_the_rest_api(doc):
    assert doc["info"]["version"] == "1"
    paths = set(doc["paths"])
    assert "/api/v1/reports" in paths
    assert {
        "/api/v1/findings",
        "/api/v1/findings/{id}",
        "/api/v1/findings/bulk",
        "/api/v1/sites/{key}/members",
    } <= paths
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["TokenAuth"]["description"],
    }
    assert set(doc["components"]["schemas"]["ErrorOut"]["properties"]) == {"error", "field"}


def test_every_token_operation_documents_its_errors_in_the_one_shape(doc):
    seen = 0
    for path, method, op in operations(doc):
        if {"TokenAuth": []} not in op.get("security", []):
            continue
        seen += 1
        codes = set(op["responses"])
        assert {"400", "401", "403", "404"} <= codes, (method, path)
        if method != "get":
            assert {"409", "413"} <= codes, (method, path)
        for code, response in op["responses"].items():
            if code >= "400":
                assert response["content"]["application/json"]["schema"] == ERROR_REF, (method, path, code)
        assert op.get("summary") and op.get("operationId"), (method, path)
    assert seen == 19  # 15, checking a domain, and a finding's correction: read, publish, withdraw


def test_unknown_api_paths_answer_json_in_the_error_shape(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json() == {"error": r.json()["error"], "field": None}
    assert client.get("/desk/no-such-page/").status_code == 404
    assert client.get("/desk/no-such-page/")["Content-Type"].startswith("text/html")


def test_the_reference_page_is_served_from_typodesk_under_the_strict_csp(client):
    r = client.get("/api/v1/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>", html)
    # No inline script: the config is inert JSON, everything else is a file of this server.
    assert all('type="application/json"' in s or 'src="/static/' in s for s in scripts), scripts
    assert not re.search(r"""(src|href)=["']https?://""", html)
    for url in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html):
        assert finders.find(url.removeprefix("/static/")), url
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise call validator.swagger.io
    assert '"url": "/api/v1/openapi.json"' in html
