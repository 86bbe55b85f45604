"""POST /api/v1/reports: every answer the README documents."""

from __future__ import annotations

import json

import pytest

from tests.waiting import wait_until
from typodesk.findings.models import Finding, Page, Report

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/reports"


@pytest.fixture
def site(make_site):
    return make_site(domains=["news.example", "*.regional.example"])


def body(s, **over):
    quote = {"exact": "teh", "prefix": "It was ", "suffix": " best of times", "start": 7, "end": 10}
    quote.update(over.pop("quote", {}))
    data = {
        "site": s.public_key,
        "url": "https://news.example/2026/lighthouse",
        "title": "Lighthouse reopens",
        "lang": "en",
        "quote": quote,
        "suggestion": "the",
        "comment": "",
    }
    data.update(over)
    return data


def post(client, data, content_type="application/json", **environ):
    raw = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(URL, raw, content_type=content_type, **environ)


def test_a_report_creates_a_finding(client, site):
    r = post(client, body(site))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["duplicate"] is False
    f = Finding.objects.get(pk=out["finding"])
    assert (f.exact, f.prefix, f.suffix, f.start, f.end) == ("teh", "It was ", " best of times", 7, 10)
    assert f.report_count == 1 and f.status == "new" and f.site == site
    rep = Report.objects.get(pk=out["id"])
    assert rep.suggestion == "the" and rep.title == "Lighthouse reopens"


def test_text_plain_body_is_accepted_so_browsers_skip_the_preflight(client, site):
    r = post(client, body(site), content_type="text/plain;charset=UTF-8")
    assert r.status_code == 201


def test_second_report_of_the_same_span_raises_the_count(client, site):
    first = post(client, body(site)).json()
    second = post(client, body(site, suggestion="the", comment="typo")).json()
    assert second["duplicate"] is True and second["finding"] == first["finding"]
    assert Finding.objects.get().report_count == 2
    assert Report.objects.count() == 2


def test_same_page_under_another_url_form_is_one_finding(client, site):
    post(client, body(site, url="https://news.example/2026/lighthouse"))
    r = post(
        client, body(site, url="HTTPS://News.Example:443/2026/lighthouse?utm_source=nl&fbclid=x&gclid=y#top")
    )
    assert r.json()["duplicate"] is True
    assert Page.objects.count() == 1


def test_query_parameters_that_matter_keep_pages_apart(client, site):
    post(client, body(site, url="https://news.example/article?id=1"))
    r = post(client, body(site, url="https://news.example/article?id=2"))
    assert r.json()["duplicate"] is False


def test_a_different_span_is_a_different_finding(client, site):
    post(client, body(site))
    r = post(
        client,
        body(site, quote={"exact": "tim", "prefix": "best of ", "suffix": "es", "start": 20, "end": 23}),
    )
    assert r.json()["duplicate"] is False
    assert Finding.objects.count() == 2


def test_same_words_moved_by_an_edit_above_are_the_same_finding(client, site):
    post(client, body(site))
    moved = body(site, quote={"start": 57, "end": 60})
    assert post(client, moved).json()["duplicate"] is True


def test_same_words_in_another_context_are_another_finding(client, site):
    post(client, body(site))
    other = body(site, quote={"prefix": "Nothing like ", "suffix": " worst of all", "start": 90, "end": 93})
    assert post(client, other).json()["duplicate"] is False


def test_a_new_report_reopens_a_finding_marked_fixed(client, site):
    from typodesk.findings.services import set_status

    out = post(client, body(site)).json()
    set_status(Finding.objects.get(pk=out["finding"]), "fixed")
    post(client, body(site))
    f = Finding.objects.get(pk=out["finding"])
    assert f.status == "new" and f.report_count == 2
    assert [h.new_status for h in f.history.all()] == ["fixed", "new"]


def test_a_rejected_finding_stays_rejected_but_counts(client, site):
    from typodesk.findings.services import set_status

    out = post(client, body(site)).json()
    set_status(Finding.objects.get(pk=out["finding"]), "rejected")
    post(client, body(site))
    f = Finding.objects.get(pk=out["finding"])
    assert f.status == "rejected" and f.report_count == 2


def test_suggestion_equal_to_the_quote_is_not_a_suggestion(client, site):
    out = post(client, body(site, suggestion="teh")).json()
    assert Report.objects.get(pk=out["id"]).suggestion == ""


def test_raw_client_address_is_never_stored(client, site):
    post(client, body(site), REMOTE_ADDR="203.0.113.77")
    rep = Report.objects.get()
    assert "203.0.113.77" not in json.dumps(list(Report.objects.values()), default=str)
    assert len(rep.client_hash) == 32


# --- 400: fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.pop("site"), "site"),
        (lambda d: d.pop("url"), "url"),
        (lambda d: d.pop("quote"), "quote"),
        (lambda d: d["quote"].pop("exact"), "quote.exact"),
        (lambda d: d["quote"].pop("start"), "quote.start"),
        (lambda d: d.update(url="javascript:alert(1)"), "url"),
        (lambda d: d.update(url="/relative/path"), "url"),
        (lambda d: d.update(url="https://news.example/" + "a" * 2048), "url"),
        (lambda d: d.update(site=123), "site"),
        (lambda d: d.update(quote="teh"), "quote"),
        (lambda d: d.update(suggestion=["the"]), "suggestion"),
        (lambda d: d.update(suggestion="x" * 2001), "suggestion"),
        (lambda d: d.update(comment="x" * 2001), "comment"),
        (lambda d: d.update(title="x" * 501), "title"),
        (lambda d: d["quote"].update(exact="", start=7, end=7), "quote.exact"),
        (lambda d: d["quote"].update(exact="x" * 1001, start=0, end=1001), "quote.exact"),
        (lambda d: d["quote"].update(prefix="x" * 65), "quote.prefix"),
        (lambda d: d["quote"].update(suffix="x" * 65), "quote.suffix"),
        (lambda d: d["quote"].update(start="7"), "quote.start"),
        (lambda d: d["quote"].update(start=7.5), "quote.start"),
        (lambda d: d["quote"].update(start=True), "quote.start"),
        (lambda d: d["quote"].update(start=-1, end=2), "quote.start"),
        (lambda d: d["quote"].update(end=12), "quote"),
        (lambda d: d.update(comment="nul \x00 byte"), "comment"),
        (lambda d: d.update(comment="lone \ud800 surrogate"), "comment"),
    ],
)
def test_bad_fields_get_400_naming_the_field(client, site, mutate, field):
    data = body(site)
    mutate(data)
    r = post(client, data)
    assert r.status_code == 400, r.content
    out = r.json()
    assert out["field"] == field
    assert field.split(".")[-1] in out["error"] and len(out["error"]) > 15
    assert Report.objects.count() == 0


def test_limits_are_inclusive(client, site):
    data = body(site, suggestion="s" * 2000, comment="c" * 2000, url="https://news.example/" + "a" * 2000)
    data["quote"] = {"exact": "é" * 1000, "prefix": "p" * 64, "suffix": "s" * 64, "start": 5, "end": 1005}
    assert post(client, data).status_code == 201


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[1, 2]", b"null", b'"string"', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000],
)
def test_malformed_bodies_get_400(client, site, raw):
    r = client.post(URL, raw, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["error"]


def test_deeply_nested_json_is_refused_without_a_crash(client, site):
    deep = '{"a":' * 3000 + "1" + "}" * 3000
    r = client.post(URL, deep[:16000], content_type="application/json")
    assert r.status_code in (400, 413)


def test_unknown_fields_are_ignored_for_forward_compatibility(client, site):
    assert post(client, body(site, widget_version="9.9", honeypot="")).status_code == 201


# --- 403, 413 ------------------------------------------------------------------------


def test_unknown_site_key_is_403(client, site):
    r = post(client, body(site, site="no-such-key"))
    assert r.status_code == 403 and r.json()["field"] == "site"


def test_page_on_a_foreign_domain_is_403(client, site):
    r = post(client, body(site, url="https://evil.example/page"))
    assert r.status_code == 403 and r.json()["field"] == "url"
    assert "evil.example" in r.json()["error"]


def test_wildcard_domain_covers_subdomains(client, site):
    assert post(client, body(site, url="https://baku.regional.example/a")).status_code == 201
    assert post(client, body(site, url="https://regional.example/a")).status_code == 201
    assert post(client, body(site, url="https://notregional.example/a")).status_code == 403


def test_origin_not_of_the_site_is_403(client, site):
    r = post(client, body(site), HTTP_ORIGIN="https://evil.example")
    assert r.status_code == 403 and r.json()["field"] == "origin"
    assert "Access-Control-Allow-Origin" not in r.headers


def test_body_over_16_kb_is_413(client, site):
    data = body(site, comment="x" * 17000)
    r = post(client, data)
    assert r.status_code == 413
    assert "16 KB" in r.json()["error"]


def test_huge_declared_length_is_refused_before_reading(client, site):
    r = client.generic("POST", URL, b"{}", content_type="application/json", CONTENT_LENGTH="50000000")
    assert r.status_code == 413


# --- CORS ----------------------------------------------------------------------------


def test_cors_headers_only_for_the_sites_origin(client, site):
    r = post(client, body(site), HTTP_ORIGIN="https://news.example")
    assert r.status_code == 201
    assert r.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert "Origin" in r.headers["Vary"]


def test_cors_header_on_a_400_so_the_widget_can_show_the_message(client, site):
    r = post(client, body(site, comment="x" * 3000), HTTP_ORIGIN="https://news.example")
    assert r.status_code == 400
    assert r.headers["Access-Control-Allow-Origin"] == "https://news.example"


def test_preflight_allows_site_origins_only(client, site):
    ok = client.options(
        URL, HTTP_ORIGIN="https://www.regional.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == "https://www.regional.example"
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    bad = client.options(URL, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in bad.headers


def test_another_sites_origin_gets_no_cors_header(client, site, make_site):
    make_site(name="Other", domains=["other.example"])
    r = post(client, body(site), HTTP_ORIGIN="https://other.example")
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers


# --- 429 -----------------------------------------------------------------------------


def test_a_proofreader_can_send_20_reports_a_minute(client, site):
    for i in range(20):
        r = post(client, body(site, quote={"start": 7 + i * 100, "end": 10 + i * 100}))
        assert r.status_code == 201, (i, r.content)


def test_too_many_reports_get_429_with_retry_after(client, site, settings):
    settings.TYPODESK_RATE_BURST = 3
    settings.TYPODESK_RATE_PER_MINUTE = 6
    codes = [post(client, body(site), HTTP_ORIGIN="https://news.example").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    r = post(client, body(site), HTTP_ORIGIN="https://news.example")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 10
    assert "try again" in r.json()["error"]
    assert r.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Retry-After" in r.headers["Access-Control-Expose-Headers"]
    assert Report.objects.count() == 3


def test_a_reader_over_the_limit_is_refused_without_waiting_for_the_writer(
    client, site, make_site, settings, monkeypatch
):
    from typodesk.ingest import writer

    settings.TYPODESK_RATE_BURST = 2
    settings.TYPODESK_RATE_PER_MINUTE = 60  # a token a second
    submitted = []
    submit = writer.Writer.submit
    monkeypatch.setattr(
        writer.Writer, "submit", lambda self, item: submitted.append(item) or submit(self, item)
    )
    codes = [post(client, body(site), REMOTE_ADDR="198.51.100.1").status_code for _ in range(3)]
    assert codes == [201, 201, 429] and len(submitted) == 3
    # The same reader again, with any report to that site, while the bucket is empty: refused
    # at once, in the same words and with the same Retry-After, nothing queued for the writer.
    again = post(client, body(site, comment="another"), REMOTE_ADDR="198.51.100.1")
    assert again.status_code == 429 and again.headers["Retry-After"] == "1" and len(submitted) == 3
    assert "Too many reports from your connection" in again.json()["error"]
    # Another reader, and the same reader on another site, go to the writer as before.
    assert post(client, body(site), REMOTE_ADDR="198.51.100.2").status_code == 201
    other = make_site(name="Other", domains=["other.example"])
    other_report = body(other, url="https://other.example/a")
    assert post(client, other_report, REMOTE_ADDR="198.51.100.1").status_code == 429  # one bucket per reader
    assert len(submitted) == 5
    # Once the bucket holds a token again, the reader's next report is admitted.
    wait_until(
        lambda: post(client, body(site), REMOTE_ADDR="198.51.100.1").status_code != 429,
        message="the reader admitted again once their bucket refilled",
    )
    assert Report.objects.filter(finding__site=site).count() == 4


def test_the_limit_is_per_client(client, site, settings):
    settings.TYPODESK_RATE_BURST = 2
    for _ in range(2):
        post(client, body(site), REMOTE_ADDR="198.51.100.1")
    assert post(client, body(site), REMOTE_ADDR="198.51.100.1").status_code == 429
    assert post(client, body(site), REMOTE_ADDR="198.51.100.2").status_code == 201


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(client, site, settings):
    settings.TYPODESK_RATE_BURST = 1
    assert (
        post(client, body(site), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 201
    )
    # Untrusted proxy: a forged header does not buy a fresh bucket.
    assert (
        post(client, body(site), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code
        == 429
    )
    settings.TYPODESK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert (
        post(client, body(site), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.3").status_code
        == 201
    )


@pytest.mark.parametrize("origin", ["http://[", "null", "", "https://news.example:99999", "\x00"])
def test_malformed_origin_headers_are_refused_not_crashed(client, site, origin):
    r = post(client, body(site), HTTP_ORIGIN=origin)
    assert r.status_code in (201, 403)
    assert r.status_code == 403 or origin.startswith("https://news.example")
    pre = client.options(URL, HTTP_ORIGIN=origin)
    assert (
        pre.status_code == 204
        and "Access-Control-Allow-Origin" not in pre.headers
        or origin.startswith("https://news.example")
    )
