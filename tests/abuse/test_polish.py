"""Answers and logs that hold up under hostile traffic: 405 and 413 in the API's JSON shape with
a message that names the problem, a scanner's wrong Host header as one warning line, and no
client address in any log line at the default level."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest

from tests.abuse.conftest import body, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/api/v1/reports", "POST"),
        ("put", "/api/v1/reports", "POST"),
        ("get", "/api/v1/sites/k/recheck", "POST"),
    ],
)
def test_405_under_the_api_is_json(client, method, path, allowed):
    r = getattr(client, method)(path)
    assert r.status_code == 405
    assert r["Content-Type"].startswith("application/json")
    assert r.json() == {"error": f"{path} does not take {method.upper()}; use {allowed}.", "field": None}
    assert r["Allow"] == allowed


def test_405_elsewhere_is_left_alone(client):
    r = client.get("/orphus/", REQUEST_METHOD="DELETE")
    assert r.status_code == 405 and not r["Content-Type"].startswith("application/json")


def test_413_names_what_was_too_large(client, site, make_user):
    big = "x" * (17 * 1024)
    r = post(client, body(site, comment=big))
    assert r.status_code == 413 and r.json()["error"] == "The report is larger than 16 KB."
    r = client.post(
        f"/api/v1/sites/{site.public_key}/recheck",
        json.dumps({"url": "https://news.example/" + big}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + site.new_token(),
    )
    assert r.status_code == 413 and r.json()["error"] == "The re-check request is larger than 16 KB."
    r = client.post("/orphus", "c_sel=" + big, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and b"The report is larger than 16 KB." in r.content


def test_a_wrong_host_is_one_warning_line(client, caplog):
    with caplog.at_level(logging.INFO):
        r = client.get("/desk/", HTTP_HOST="scanner.invalid")
    assert r.status_code == 400
    [record] = [rec for rec in caplog.records if rec.name == "django.security.DisallowedHost"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "scanner.invalid" in record.getMessage()


def test_no_client_address_in_the_logs_of_a_real_server(install):
    """Every kind of request a reader or a scanner makes, against `typodesk serve` at its default
    log level; the server's whole output is then searched for the client addresses."""
    install.env["TYPODESK_TRUSTED_PROXIES"] = "127.0.0.1"
    install.env["TYPODESK_RATE_BURST"] = "2"
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    proc, base = install.serve()
    addresses = ["203.0.113.77", "198.51.100.23", "2001:db8::7"]

    def send(path, data=None, headers=None, method=None):
        req = urllib.request.Request(base + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    report = {
        "site": key,
        "url": "https://news.example/a",
        "quote": {"exact": "teh", "prefix": "", "suffix": "", "start": 0, "end": 3},
    }
    statuses = set()
    for ip in addresses:
        fwd = {"X-Forwarded-For": ip, "Content-Type": "application/json"}
        for _ in range(3):  # the third is over the limit: 429
            statuses.add(send("/api/v1/reports", json.dumps(report).encode(), fwd))
        statuses.add(send("/api/v1/reports", b"{not json", fwd))
        statuses.add(send("/api/v1/reports", json.dumps({**report, "site": "nope"}).encode(), fwd))
        statuses.add(send("/api/v1/reports", json.dumps({**report, "website": "bot"}).encode(), fwd))
        statuses.add(send("/api/v1/reports", method="GET", headers=fwd))
        statuses.add(
            send("/orphus", b"ref=https%3A%2F%2Fnews.example%2Fb&c_sel=teh", {"X-Forwarded-For": ip})
        )
        statuses.add(send("/desk/", headers={"X-Forwarded-For": ip, "Host": "scanner.invalid"}))
        statuses.add(send("/no/such/page", headers={"X-Forwarded-For": ip}))
        statuses.add(send("/desk/login/", b"username=a&password=b", {"X-Forwarded-For": ip}))
    assert {201, 400, 403, 404, 405, 429} <= statuses
    install.stop()
    output = proc.stdout.read()
    assert "Invalid HTTP_HOST header" in output  # the log was captured at all
    assert "Traceback" not in output
    for ip in addresses:
        assert ip not in output, f"{ip} appears in the server's log"
