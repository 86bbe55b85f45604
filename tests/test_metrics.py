"""``/metrics`` (Prometheus text format) and ``/healthz``: every metric against known seeded data,
and who may read them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report
from typodesk.heartbeat.models import WorkerBeat
from typodesk.ingest import refusals
from typodesk.ingest.models import Refusal
from typodesk.notify.models import Attempt, Channel, Message, Notification
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.django_db

SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$'
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse(text: str) -> dict[str, dict[frozenset, float]]:
    """The exposition format, strictly: HELP and TYPE before each family's samples, valid samples."""
    families: dict[str, dict[frozenset, float]] = {}
    typed: dict[str, str] = {}
    helped: set[str] = set()
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in helped, f"two HELP lines for {name}"
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in {"counter", "gauge"} and name in helped and name not in typed
            typed[name] = kind
            families[name] = {}
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels, value = m.groups()
        assert name in typed, f"{name} has no TYPE line before its samples"
        key = frozenset(LABEL.findall(labels or ""))
        assert key not in families[name], f"duplicate sample {line!r}"
        families[name][key] = float(value)
    return families


def value(families, name: str, **labels) -> float:
    return families[name][frozenset(labels.items())]


def scrape(**extra) -> dict[str, dict[frozenset, float]]:
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.content.decode())


def report(site, exact="teh", start=7, url="https://news.example/story", **kw):
    return record_report(
        site,
        url=url,
        quote=Quote(exact, "It was ", " best", start, start + len(exact)),
        title="A story",
        **kw,
    )


@pytest.fixture
def site(make_site):
    return make_site()


def test_an_empty_instance_reports_zeros_in_a_valid_exposition(site):
    m = scrape()
    # Report ids are not handed back when a test's transaction rolls back (PostgreSQL), so the
    # counter starts wherever earlier tests left it; the next test counts differences.
    assert value(m, "typodesk_reports_accepted_total") >= 0
    assert m["typodesk_reports_refused_total"] == {}
    for queue in ("notifications", "messages", "page_checks", "spelling"):
        assert value(m, "typodesk_queue_depth", queue=queue) == 0
    for status in ("new", "fixed", "rejected", "spam", "duplicate"):
        assert value(m, "typodesk_findings", status=status) == 0
    assert value(m, "typodesk_workers_alive") == 0
    assert m["typodesk_worker_heartbeat_age_seconds"] == {}
    assert value(m, "typodesk_metrics_scrape_seconds") >= 0


def test_accepted_reports_count_every_report_stored_and_never_go_down(site):
    before = value(scrape(), "typodesk_reports_accepted_total")
    report(site, "teh", 7)
    report(site, "teh", 7)  # the same mistake again: a second report of one finding
    report(site, "recieve", 30)
    assert Finding.objects.count() == 2
    assert value(scrape(), "typodesk_reports_accepted_total") == before + 3
    Finding.objects.filter(exact="recieve").delete()  # the newest report goes with it
    assert value(scrape(), "typodesk_reports_accepted_total") == before + 3, "a counter never goes down"
    report(site, "wierd", 50)
    assert value(scrape(), "typodesk_reports_accepted_total") == before + 4


def test_refused_reports_by_reason_include_other_processes_and_unwritten_counts(site, make_site):
    other = make_site(name="Other", domains=["other.example"])
    today = timezone.now().date()
    # Written earlier, by other server processes, on other days and for other sites.
    Refusal.objects.create(site=site, day=today - timedelta(days=3), reason="rate_client", count=5)
    Refusal.objects.create(site=other, day=today, reason="rate_client", count=2)
    Refusal.objects.create(site=None, day=today, reason="unknown_site", count=7)
    # Counted in this process, not written yet: the scrape writes them first.
    refusals.record(site.pk, "bad_body", 3)
    refusals.record(None, "unknown_site")
    m = scrape()
    assert m["typodesk_reports_refused_total"] == {
        frozenset({("reason", "rate_client")}): 7,
        frozenset({("reason", "unknown_site")}): 8,
        frozenset({("reason", "bad_body")}): 3,
    }


def _channel(site, kind="webhook", paused=False, name=None):
    return Channel.objects.create(
        site=site,
        kind=kind,
        name=name or f"{kind} channel",
        target="https://hooks.news.example/x" if kind != "email" else "ed@news.example",
        events=["new"],
        paused_at=timezone.now() if paused else None,
    )


def _message(channel, status=Message.Status.PENDING, due_in=-1, attempts=0):
    now = timezone.now()
    return Message.objects.create(
        channel=channel,
        status=status,
        created=now,
        next_attempt_at=now + timedelta(seconds=due_in),
        attempts=attempts,
    )


def _notification(channel, due_in=-1, message=None):
    now = timezone.now()
    return Notification.objects.create(
        channel=channel,
        event="finding.created",
        data={},
        created=now,
        due_at=now + timedelta(seconds=due_in),
        message=message,
    )


def test_queue_depth_counts_what_waits_for_a_worker_now(site):
    # Pages: each new finding schedules a reading (TYPODESK_FETCH_FIRST_DELAY later). Reported
    # before the channels exist, so that they write no notifications.
    report(site, "teh", 7, url="https://news.example/a")
    report(site, "teh", 7, url="https://news.example/b")
    report(site, "teh", 7, url="https://news.example/c")
    hook = _channel(site)
    paused = _channel(site, paused=True, name="paused")
    # Notifications: 2 due and not yet in a message; one due later (a digest), one already
    # grouped into a message, one of a paused channel: not the worker's backlog.
    _notification(hook)
    _notification(hook)
    _notification(hook, due_in=3600)
    _notification(hook, message=_message(hook, status=Message.Status.SENT))
    _notification(paused)
    # Messages: 2 due (one a retry), one retry due later, one sent, one failed, one of a paused channel.
    _message(hook)
    _message(hook, attempts=2)
    _message(hook, attempts=1, due_in=600)
    _message(hook, status=Message.Status.SENT)
    _message(hook, status=Message.Status.FAILED)
    _message(paused)
    checks = list(PageCheck.objects.order_by("pk"))
    assert len(checks) == 3
    PageCheck.objects.filter(pk=checks[0].pk).update(due_at=timezone.now() - timedelta(seconds=5))
    PageCheck.objects.filter(pk=checks[1].pk).update(due_at=None)  # nothing to check there
    PageCheck.objects.filter(pk=checks[2].pk).update(due_at=timezone.now() + timedelta(hours=1))
    # Spelling: three new findings wait for the spell checker; one was checked.
    Finding.objects.filter(page__url="https://news.example/c").update(spell_status=Finding.Spelling.NONE)

    m = scrape()
    assert value(m, "typodesk_queue_depth", queue="notifications") == 2
    assert value(m, "typodesk_queue_depth", queue="messages") == 2
    assert value(m, "typodesk_queue_depth", queue="page_checks") == 1
    assert value(m, "typodesk_queue_depth", queue="spelling") == 2


def test_notification_failures_by_channel_kind(site):
    hook = _channel(site, "webhook")
    mail = _channel(site, "email")
    chat = _channel(site, "apprise", paused=True)
    now = timezone.now()

    def attempt(channel, ok, test=False):
        Attempt.objects.create(channel=channel, at=now, ok=ok, test=test, result="x")

    for _ in range(3):
        attempt(hook, ok=False)
    attempt(hook, ok=True)
    attempt(hook, ok=False, test=True)  # an owner's "send test" is not a delivery
    attempt(mail, ok=False)
    _message(hook, status=Message.Status.FAILED)
    _message(hook, status=Message.Status.FAILED)
    _message(mail, attempts=1, due_in=300)
    _message(mail, attempts=0)  # never tried: waiting, not retrying

    m = scrape()
    assert value(m, "typodesk_notification_attempts_failed_total", kind="webhook") == 3
    assert value(m, "typodesk_notification_attempts_failed_total", kind="email") == 1
    assert value(m, "typodesk_notification_attempts_failed_total", kind="apprise") == 0
    assert value(m, "typodesk_notification_messages_failed", kind="webhook") == 2
    assert value(m, "typodesk_notification_messages_failed", kind="email") == 0
    assert value(m, "typodesk_notification_messages_retrying", kind="email") == 1
    assert value(m, "typodesk_notification_messages_retrying", kind="webhook") == 0
    assert value(m, "typodesk_notification_channels_paused", kind="apprise") == 1
    assert value(m, "typodesk_notification_channels_paused", kind="webhook") == 0
    assert chat.is_paused


def test_findings_by_status_and_recheck_verdicts(site):
    for i, word in enumerate(["teh", "recieve", "wierd", "adress", "untill", "occured"]):
        report(site, word, 10 * i)
    f = {x.exact: x for x in Finding.objects.all()}
    Finding.objects.filter(pk=f["teh"].pk).update(
        status=Finding.Status.FIXED, verification=Finding.Verification.FIXED_ON_PAGE
    )
    Finding.objects.filter(pk=f["recieve"].pk).update(
        status=Finding.Status.FIXED, verification=Finding.Verification.FIXED_ON_PAGE
    )
    Finding.objects.filter(pk=f["wierd"].pk).update(verification=Finding.Verification.STILL_ON_PAGE)
    Finding.objects.filter(pk=f["adress"].pk).update(
        status=Finding.Status.REJECTED, verification=Finding.Verification.TEXT_GONE
    )
    Finding.objects.filter(pk=f["untill"].pk).update(status=Finding.Status.SPAM)

    m = scrape()
    assert value(m, "typodesk_findings", status="new") == 2
    assert value(m, "typodesk_findings", status="fixed") == 2
    assert value(m, "typodesk_findings", status="rejected") == 1
    assert value(m, "typodesk_findings", status="spam") == 1
    assert value(m, "typodesk_findings", status="duplicate") == 0
    assert value(m, "typodesk_findings_verification", verification="fixed_on_page") == 2
    assert value(m, "typodesk_findings_verification", verification="still_on_page") == 1
    assert value(m, "typodesk_findings_verification", verification="text_gone") == 1
    assert value(m, "typodesk_findings_verification", verification="none") == 2


def test_page_check_outcomes(site):
    for path in "abcd":
        report(site, url=f"https://news.example/{path}")
    a, b, c, d = PageCheck.objects.order_by("page__url")
    now = timezone.now()
    PageCheck.objects.filter(pk__in=[a.pk, b.pk]).update(last_success_at=now, failures=0)
    PageCheck.objects.filter(pk=c.pk).update(last_success_at=now, failures=2, last_error="HTTP 503")
    m = scrape()
    assert value(m, "typodesk_page_checks", outcome="ok") == 2
    assert value(m, "typodesk_page_checks", outcome="failing") == 1
    assert value(m, "typodesk_page_checks", outcome="unread") == 1
    assert d.last_success_at is None


def test_worker_heartbeat_ages(site):
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="host-a:101", started=now, last_seen=now - timedelta(seconds=12))
    WorkerBeat.objects.create(worker_id="host-b:202", started=now, last_seen=now - timedelta(seconds=600))
    m = scrape()
    young = value(m, "typodesk_worker_heartbeat_age_seconds", worker="host-a:101")
    old = value(m, "typodesk_worker_heartbeat_age_seconds", worker="host-b:202")
    assert 12 <= young < 72  # seconds since the beat, measured when the scrape ran
    assert 600 <= old < 660
    assert value(m, "typodesk_workers_alive") == 1


def test_label_values_are_escaped(site):
    Refusal.objects.create(site=None, day=timezone.now().date(), reason='odd"re\\ason', count=1)
    m = scrape()
    assert value(m, "typodesk_reports_refused_total", reason='odd\\"re\\\\ason') == 1


# Access ---------------------------------------------------------------------------------------


def test_open_to_direct_loopback_requests_only(site, settings):
    settings.TYPODESK_METRICS_TOKEN = ""
    assert Client().get("/metrics", REMOTE_ADDR="::1").status_code == 200
    far = Client().get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert far.status_code == 403
    assert b"TYPODESK_METRICS_TOKEN" in far.content
    # Through a reverse proxy on the same machine: the proxy's header says it is not local.
    proxied = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert proxied.status_code == 403
    assert Client().post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_elsewhere_a_bearer_token_is_needed(site, settings):
    settings.TYPODESK_METRICS_TOKEN = "s3cret-metrics-token"
    c = Client()
    missing = c.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert b"Authorization: Bearer" in missing.content
    wrong = c.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    basic = c.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Basic s3cret-metrics-token")
    assert basic.status_code == 401
    ok = c.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200
    assert "typodesk_reports_accepted_total" in parse(ok.content.decode())
    assert ok["Cache-Control"].startswith("max-age=0")


# /healthz -------------------------------------------------------------------------------------


def test_healthz_is_ok_while_the_database_answers(site):
    r = Client().get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_fails(site, monkeypatch):
    from typodesk import views

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", broken)
    r = Client().get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "error": "OperationalError"}
