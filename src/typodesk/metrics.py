"""``GET /metrics``: what an operator watches, in the Prometheus text format (docs/operations.md).

Every value is read from the database at scrape time, never from the memory of the process
that answers, so any of several server processes gives the same numbers. Each query is chosen
to stay cheap on a large instance (3,000,000 reports, 1,000,000 findings):

- reports accepted: how many report ids were handed out (PostgreSQL's sequence of the reports
  table; SQLite's ``sqlite_sequence`` row of its AUTOINCREMENT key). Ids are never reused, so
  this counts every report ever stored, deleted ones included, with one row read instead of
  ``COUNT(*)`` over millions of rows, and it never goes down (a true counter). A transaction
  rolled back after taking an id (only on a database error) still counts it.
- refused reports: the per-site, per-day, per-reason counters (:mod:`typodesk.ingest.refusals`);
  this process's unwritten counts are written first, other processes write theirs within
  seconds (``refusals.FLUSH_EVERY``).
- queues: partial indexes cover exactly the rows counted (due messages, unsent notifications,
  due page checks, pending spelling checks), so the counts read only the backlog.
- findings by status and verification verdict: one grouped pass over the findings table.
- notification failures and worker heartbeats: small tables.
- free space on the data directory's filesystem, at scrape time.
- Redis (when ``TYPODESK_REDIS_URL`` is set): whether it answers a PING now.

Access: open to a direct connection from the loopback address (no proxy header); from
anywhere else only with ``Authorization: Bearer $TYPODESK_METRICS_TOKEN``, and not at all
when that variable is unset.
"""

from __future__ import annotations

import hmac
import ipaddress
import shutil
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A worker records its heartbeat every worker.HEARTBEAT_EVERY (30 s); three missed beats: gone.
ALIVE_WITHIN = timedelta(seconds=90)
# Headers a reverse proxy adds: a request carrying one came through a proxy, even from 127.0.0.1.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class Family:
    """One metric family: its help, its type and its samples (labels → value)."""

    def __init__(self, name: str, kind: str, help: str):
        self.name, self.kind, self.help = name, kind, help
        self.samples: list[tuple[dict[str, str], float]] = []

    def add(self, value: float, **labels: str) -> Family:
        self.samples.append((labels, value))
        return self

    def render(self) -> str:
        lines = [f"# HELP {self.name} {_escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]
        for labels, value in self.samples:
            label_text = ",".join(f'{k}="{_escape_label(str(v))}"' for k, v in labels.items())
            head = f"{self.name}{{{label_text}}}" if labels else self.name
            lines.append(f"{head} {_number(value)}")
        return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def collect(now=None) -> list[Family]:
    """Every metric, read from the database now."""
    from typodesk.findings.models import Finding
    from typodesk.heartbeat.models import WorkerBeat
    from typodesk.ingest import refusals
    from typodesk.notify.models import Attempt, Channel, Message, Notification
    from typodesk.pages.models import PageCheck

    now = now or timezone.now()
    families: list[Family] = []

    accepted = Family(
        "typodesk_reports_accepted_total",
        "counter",
        "Reports stored since the database was created (the highest report id; see docs/operations.md).",
    )
    accepted.add(reports_accepted())
    families.append(accepted)

    try:  # this process's refusals not yet written; a failure here must not hide the rest
        refusals.flush()
    except Exception:  # noqa: S110 - the counts stay queued for the next flush
        pass
    refused = Family(
        "typodesk_reports_refused_total", "counter", "Reports refused, by reason (rate limits, bad body, …)."
    )
    for reason, n in sorted(refusals.totals().items()):
        refused.add(n, reason=reason)
    families.append(refused)

    active = Q(channel__paused_at=None)
    queue = Family(
        "typodesk_queue_depth",
        "gauge",
        "Work waiting for a worker now: notifications not yet grouped into a message, messages due "
        "to be sent (retries included), pages due to be read, findings waiting for the spell checker.",
    )
    queue.add(
        Notification.objects.filter(active, message=None, due_at__lte=now).count(), queue="notifications"
    )
    queue.add(
        Message.objects.filter(active, status=Message.Status.PENDING, next_attempt_at__lte=now).count(),
        queue="messages",
    )
    queue.add(PageCheck.objects.filter(due_at__lte=now).count(), queue="page_checks")
    queue.add(Finding.objects.filter(spell_status=Finding.Spelling.PENDING).count(), queue="spelling")
    families.append(queue)

    kinds = [k for k, _ in Channel.Kind.choices]
    failed_attempts = Family(
        "typodesk_notification_attempts_failed_total",
        "counter",
        "Failed tries at sending a message (each retry counts), by channel kind.",
    )
    failed_messages = Family(
        "typodesk_notification_messages_failed",
        "gauge",
        "Messages that failed for good (not retried any more), by channel kind.",
    )
    retrying = Family(
        "typodesk_notification_messages_retrying",
        "gauge",
        "Messages waiting for another try after a failure, by channel kind.",
    )
    paused = Family(
        "typodesk_notification_channels_paused",
        "gauge",
        "Channels paused after repeated failures (or by an owner), by channel kind.",
    )
    tries = _by(Attempt.objects.filter(test=False, ok=False), "channel__kind")
    gave_up = _by(Message.objects.filter(status=Message.Status.FAILED), "channel__kind")
    again = _by(Message.objects.filter(status=Message.Status.PENDING, attempts__gt=0), "channel__kind")
    stopped = _by(Channel.objects.exclude(paused_at=None), "kind")
    for kind in kinds:
        failed_attempts.add(tries.get(kind, 0), kind=kind)
        failed_messages.add(gave_up.get(kind, 0), kind=kind)
        retrying.add(again.get(kind, 0), kind=kind)
        paused.add(stopped.get(kind, 0), kind=kind)
    families += [failed_attempts, failed_messages, retrying, paused]

    by_status = {s: 0 for s, _ in Finding.Status.choices}
    by_verdict = {v: 0 for v, _ in Finding.Verification.choices}
    for row in Finding.objects.values("status", "verification").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_verdict[row["verification"]] = by_verdict.get(row["verification"], 0) + row["n"]
    findings = Family("typodesk_findings", "gauge", "Findings, by status.")
    for status, n in by_status.items():
        findings.add(n, status=status)
    verdicts = Family(
        "typodesk_findings_verification",
        "gauge",
        "Findings by the last verdict of the page re-check (none: not verified yet).",
    )
    for verdict, n in by_verdict.items():
        verdicts.add(n, verification=verdict)
    families += [findings, verdicts]

    reads = PageCheck.objects.aggregate(
        ok=Count("id", filter=Q(failures=0, last_success_at__isnull=False)),
        failing=Count("id", filter=Q(failures__gt=0)),
        unread=Count("id", filter=Q(failures=0, last_success_at=None)),
    )
    pages = Family(
        "typodesk_page_checks",
        "gauge",
        "Reported pages by the outcome of their last reading: ok, failing (the last reading failed), "
        "unread (not read yet).",
    )
    for outcome in ("ok", "failing", "unread"):
        pages.add(reads[outcome], outcome=outcome)
    families.append(pages)

    beats = list(WorkerBeat.objects.order_by("worker_id").values_list("worker_id", "last_seen"))
    ages = Family(
        "typodesk_worker_heartbeat_age_seconds",
        "gauge",
        "Seconds since each running worker last said it is alive (every 30 s while it runs).",
    )
    for worker_id, last_seen in beats:
        ages.add(round(max(0.0, (now - last_seen).total_seconds()), 3), worker=worker_id)
    alive = Family(
        "typodesk_workers_alive", "gauge", "Workers whose heartbeat is younger than 90 seconds."
    ).add(sum(1 for _, seen in beats if now - seen < ALIVE_WITHIN))
    families += [ages, alive]

    free = Family(
        "typodesk_data_dir_free_bytes",
        "gauge",
        "Bytes free on the filesystem of the data directory (SQLite's database and its WAL live there).",
    )
    try:
        free.add(shutil.disk_usage(settings.DATA_DIR).free)
    except OSError:  # the directory is gone: say nothing rather than a wrong number
        pass
    families.append(free)

    from typodesk.ingest import ratelimit

    redis = ratelimit.redis_status()  # asked now, of Redis itself
    if redis is not None:
        families.append(
            Family(
                "typodesk_redis_up",
                "gauge",
                "1 when Redis (TYPODESK_REDIS_URL) answers; 0: it does not (rate limits use the database).",
            ).add(1 if redis == "ok" else 0)
        )
    return families


def reports_accepted() -> int:
    """Report ids handed out so far: the table's id sequence (or the highest id, if higher)."""
    from typodesk.findings.models import Report

    table = Report._meta.db_table
    handed_out = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]  # a quoted, schema-qualified name from PostgreSQL itself
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                handed_out = last if called else last - 1
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            handed_out = row[0] if row else 0
    return max(handed_out, Report.objects.aggregate(m=Max("id"))["m"] or 0)


def _by(queryset, field: str) -> dict[str, int]:
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("id")).order_by()}


def render(families: Iterable[Family]) -> str:
    return "".join(f.render() for f in families)


def _loopback_direct(request: HttpRequest) -> bool:
    """A connection from this machine that did not come through a (local) reverse proxy."""
    if any(request.META.get(h) for h in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _refuse(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="typodesk metrics"'
    return response


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _loopback_direct(request):
        token = getattr(settings, "TYPODESK_METRICS_TOKEN", "")
        if not token:
            return _refuse(
                403,
                "/metrics answers only direct requests from this machine (127.0.0.1). "
                "To scrape it from elsewhere, set TYPODESK_METRICS_TOKEN on the server and send "
                "'Authorization: Bearer <token>'.",
            )
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return _refuse(401, "/metrics needs 'Authorization: Bearer <TYPODESK_METRICS_TOKEN>'.")
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            return _refuse(401, "The bearer token is not TYPODESK_METRICS_TOKEN.")
    started = time.perf_counter()
    families = collect()
    took = Family(
        "typodesk_metrics_scrape_seconds", "gauge", "Seconds this answer took to read from the database."
    ).add(round(time.perf_counter() - started, 6))
    return HttpResponse(render([*families, took]), content_type=CONTENT_TYPE)
