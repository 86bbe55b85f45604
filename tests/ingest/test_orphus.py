"""POST /orphus: the form the old Orphus 5.01 script posts, for sites that keep it and only point
its address at typodesk. Form-encoded in the page's charset (windows-1251 on many old Russian
sites), answered with a tiny HTML page for its hidden iframe; mapped to a report of the site whose
domain is the page's, with the same rate limits and domain checks as the JSON API.

The browser test at the end makes Chromium post exactly what orphus.js 5.01 posts from a
windows-1251 page, and feeds those bytes to the endpoint."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from tests.waiting import wait_in_browser
from typodesk.findings.models import Finding, Report
from typodesk.ingest.orphus import NO_POSITION, parse_form, site_for

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "https://news.example/2026/03/lighthouse.html"
PARAGRAPH = "Мы сообщаем об ашибке в этом тексте, и её надо исправить как можно скорее."


@pytest.fixture
def site(make_site):
    return make_site(domains=["news.example", "*.regional.example"])


def orphus_fields(**over) -> dict[str, str]:
    """The fields orphus.js 5.01 sends, in its order, for "ашибке" selected in PARAGRAPH."""
    fields = {
        "version": "5.01",
        "email": "editor@news.example",  # the owner's address at orphus.ru: ignored
        "to": "Пользователь Orphus",
        "subject": "Орфографическая ошибка",
        "ref": PAGE,
        "c_pre": "Новости\n\n    Мы сообщаем об ",  # raw page text, up to 60 characters
        "c_sel": "ашибке",
        "c_suf": " в этом тексте, и её надо исправить как можно",
        "c_pos": "-1",
        "c_tag1": "<!!!>",
        "c_tag2": "<!!!>",
        "charset": "windows-1251",
        "comment": "ошибка, а не ашибка",
    }
    fields.update(over)
    return fields


def post(client, fields: dict[str, str] | bytes, encoding: str = "cp1251", **headers):
    # As a browser does: what the charset cannot encode goes as "&#NNNN;".
    body = (
        fields
        if isinstance(fields, bytes)
        else urlencode(fields, encoding=encoding, errors="xmlcharrefreplace").encode()
    )
    return client.post("/orphus", body, content_type="application/x-www-form-urlencoded", **headers)


def test_a_windows_1251_report_is_stored(client, site):
    r = post(client, orphus_fields(), HTTP_ORIGIN="https://news.example")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/html; charset=utf-8"
    assert "Thank you" in r.content.decode("utf-8")
    report = Report.objects.get()
    assert report.finding.site == site
    # Normalized as canonical text is, and 32 characters of context kept, as the widget sends.
    assert (report.url, report.exact, report.prefix, report.suffix) == (
        PAGE, "ашибке", "Новости Мы сообщаем об ", " в этом тексте, и её надо исправ",
    )  # fmt: skip
    assert report.comment == "ошибка, а не ашибка" and report.suggestion == "" and report.email == ""
    assert report.start >= NO_POSITION and report.end == report.start + len("ашибке")


def test_the_old_scripts_iframe_may_show_the_answer(client, site):
    r = post(client, orphus_fields())
    assert "X-Frame-Options" not in r
    assert "frame-ancestors" not in r["Content-Security-Policy"]
    assert "default-src 'none'" in r["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("charset", "codec"),
    [("UTF-8", "utf-8"), ("KOI8-R", "koi8_r"), ("windows-1252", "cp1252"), ("iso-8859-9", "cp1254")],
)
def test_other_charsets(client, site, charset, codec):
    words = {"UTF-8": "ашибке", "KOI8-R": "ашибке", "windows-1252": "mistakke", "iso-8859-9": "yanlişlık"}[
        charset
    ]
    r = post(client, orphus_fields(charset=charset, c_sel=words), encoding=codec)
    assert r.status_code == 200
    assert Report.objects.get().exact == words


def test_characters_outside_the_charset_arrive_as_references(client, site):
    # A browser sends "&#128512;" for an emoji it cannot encode in windows-1251.
    r = post(client, orphus_fields(c_sel="ашибке &#128512;", comment="&#8470; 5 &#0; &#55357;"))
    assert r.status_code == 200
    report = Report.objects.get()
    assert report.exact == "ашибке 😀"
    assert report.comment == "№ 5 &#0; &#55357;"  # never a NUL or a lone surrogate


def test_same_words_same_context_one_finding(client, site):
    post(client, orphus_fields())
    post(client, orphus_fields(comment="", c_pre="Мы сообщаем об "))  # less context, same nearest 16
    assert Finding.objects.count() == 1 and Finding.objects.get().report_count == 2


def test_same_words_elsewhere_another_finding(client, site):
    post(client, orphus_fields())
    post(client, orphus_fields(c_pre="В заголовке тоже есть ", c_suf=" и в подписи к фото."))
    assert Finding.objects.count() == 2


def widget_report(client, site, **quote) -> dict:
    """The JSON API report the widget sends for the same words on the same page."""
    q = {"exact": "ашибке", "prefix": "Новости Мы сообщаем об ", "suffix": " в этом тексте, и её надо исправ",
         "start": 23, "end": 29, **quote}  # fmt: skip
    body = {"site": site.public_key, "url": PAGE, "quote": q, "suggestion": "ошибке"}
    r = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


def test_a_widget_report_joins_the_orphus_finding(client, site):
    post(client, orphus_fields())
    out = widget_report(client, site)
    assert out["duplicate"] is True and Finding.objects.count() == 1


def test_an_orphus_report_joins_the_widget_finding(client, site):
    first = widget_report(client, site)
    post(client, orphus_fields())
    finding = Finding.objects.get()
    assert finding.pk == first["finding"] and finding.report_count == 2
    assert finding.start == 23  # the widget's offsets stay the finding's


def test_site_by_the_pages_domain(client, make_site):
    other = make_site(name="Other", domains=["other.example"])
    regional = make_site(name="Regional", domains=["*.regional.example"])
    exact = make_site(name="Baku", domains=["baku.regional.example"])
    assert site_for("https://baku.regional.example/x") == exact
    assert site_for("https://quba.regional.example/x") == regional
    assert site_for("https://other.example./x") == other
    assert site_for("https://unknown.example/x") is None
    assert site_for("http://[") is None


@pytest.mark.parametrize(
    ("over", "headers", "status"),
    [
        ({"ref": "https://elsewhere.example/page"}, {}, 403),  # no site has that domain
        ({}, {"HTTP_ORIGIN": "https://evil.example"}, 403),  # posted from another site's page
        ({"ref": "javascript:alert(1)"}, {}, 400),
        ({"ref": "http://["}, {}, 400),
        ({"c_sel": "  \n "}, {}, 400),
        ({"c_sel": "x" * 1001}, {}, 400),
    ],
)
def test_refusals(client, site, over, headers, status):
    r = post(client, orphus_fields(**over), **headers)
    assert r.status_code == status
    assert r["Content-Type"] == "text/html; charset=utf-8"
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"charset=utf-8&c_sel=%D0",  # not the charset it names
        b"c_sel=%00&ref=https%3A%2F%2Fnews.example%2F",  # NUL
        b"&".join([b"a=1"] * 60),  # more fields than any Orphus form
    ],
)
def test_malformed_forms_get_400(client, site, body):
    assert post(client, body).status_code == 400


def test_too_large(client, site):
    r = post(client, orphus_fields(comment="ы" * 9000))
    assert r.status_code == 413


def test_rate_limited_like_the_api(client, site, settings):
    settings.TYPODESK_RATE_BURST = 2
    settings.TYPODESK_RATE_PER_MINUTE = 1
    codes = [post(client, orphus_fields()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert int(post(client, orphus_fields())["Retry-After"]) > 0


def test_a_database_failure_is_no_500(client, site, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr("typodesk.ingest.store.record_reports", broken)
    r = post(client, orphus_fields())
    assert r.status_code == 503 and "try again" in r.content.decode()


def test_get_tells_how_to_report(client):
    # The old badge's link (Orphus's "hq" address) opens in a new window.
    r = client.get("/orphus")
    assert r.status_code == 200 and "Ctrl+Enter" in r.content.decode()
    assert client.get("/orphus/").status_code == 200


def test_parse_form_ignores_an_unknown_charset_label():
    assert parse_form(b"charset=x-unheard-of&c_sel=%D1%8B") == {"charset": "x-unheard-of", "c_sel": "ы"}


# --- What orphus.js 5.01 really sends, from a windows-1251 page in Chromium ---------------------

# The old script's submission, done the way version 5.01 does it: its fields in its order, the
# selection trimmed and its white space moved into the context, 60 characters of context with the
# partial word at the far end cut off, posted by a hidden form into a hidden iframe.
ORPHUS_501_SUBMIT = r"""
([action, comment]) => {
  const r = getSelection().getRangeAt(0);
  const before = document.createRange(), after = r.cloneRange();
  before.setStartBefore(document.body); before.setEnd(r.startContainer, r.startOffset);
  after.setStart(r.endContainer, r.endOffset); after.setEndAfter(document.body);
  let text = r.toString(), pre = before.toString(), suf = after.toString();
  const lead = text.match(/^\s*/)[0].length, trail = text.match(/\s*$/)[0].length;
  pre += text.slice(0, lead); suf = text.slice(text.length - trail) + suf;
  text = text.slice(lead, text.length - trail);
  pre = pre.slice(-60).replace(/^\S{1,10}\s+/, ''); suf = suf.slice(0, 60).replace(/\s+\S{1,10}$/, '');
  const fields = {version: '5.01', email: 'editor@news.example', to: 'Пользователь Orphus',
    subject: 'Орфографическая ошибка', ref: location.href, c_pre: pre, c_sel: text, c_suf: suf,
    c_pos: -1, c_tag1: '<!!!>', c_tag2: '<!!!>', charset: document.charset || document.characterSet || '',
    comment};
  const frame = document.createElement('div');
  frame.innerHTML = '<iframe name="orphus_ifr"></iframe>';
  document.body.append(frame);
  const f = document.createElement('form');
  f.action = action; f.method = 'post'; f.target = 'orphus_ifr';
  for (const k in fields) {
    const h = document.createElement('input');
    h.type = 'hidden'; h.name = k; h.value = fields[k]; f.appendChild(h);
  }
  document.body.append(f); f.submit(); f.remove();
}
"""


@pytest.fixture
def cp1251_page():
    """A page of an old Russian site: windows-1251 bytes, charset in the HTTP header."""
    html = (
        "<!doctype html><html lang=ru><head><title>Новости</title></head><body>"
        f"<h1>Новости</h1>\n<p>{PARAGRAPH} Смайлик: 😀</p></body></html>"
    ).encode("cp1251", errors="xmlcharrefreplace")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=windows-1251")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("needle", "comment"), [("ашибке", "ошибка, а не ашибка"), (" ашибке ", "смайлик 😀 и №")]
)
def test_what_orphus_501_sends_from_a_windows_1251_page(
    client, make_site, browser, cp1251_page, needle, comment
):
    site = make_site(domains=["127.0.0.1"])
    context = browser.new_context()
    try:
        page = context.new_page()
        sent = []

        def catch(route):  # the desk's side: keep the bytes exactly as Chromium sent them
            sent.append((route.request.headers, route.request.post_data_buffer))
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<p>ok</p>")

        page.route("**/orphus", catch)
        page.goto(cp1251_page + "/news.html")
        assert page.evaluate("() => document.characterSet") == "windows-1251"
        page.evaluate(
            """(needle) => { const t = document.querySelector('p').firstChild, i = t.data.indexOf(needle);
              const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + needle.length);
              getSelection().removeAllRanges(); getSelection().addRange(r); }""",
            needle,
        )
        page.evaluate(ORPHUS_501_SUBMIT, ["http://desk.invalid/orphus", comment])
        wait_in_browser(page, lambda: sent, message="the form posted to the desk")
    finally:
        context.close()
    [(headers, body)] = sent
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"%E0%F8%E8%E1%EA%E5" in body  # "ашибке" in windows-1251, percent-encoded
    r = client.post("/orphus", body, content_type=headers["content-type"], HTTP_ORIGIN=headers["origin"])
    assert r.status_code == 200, r.content
    report = Report.objects.get()
    assert report.finding.site == site and report.url == cp1251_page + "/news.html"
    assert report.exact == "ашибке"  # trimmed as Orphus trims
    assert report.prefix.endswith("Мы сообщаем об ") and report.suffix.startswith(" в этом тексте")
    assert report.comment == comment  # "😀" came as "&#128512;"
