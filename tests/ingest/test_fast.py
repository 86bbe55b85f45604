"""The lean ingestion path (typodesk.ingest.fast) in process: the same answers as the ninja endpoint,
group commit, and the site cache.

Requests go straight into the ASGI application (typodesk.asgi.application); the writer thread
stores them with its own database connection, so these tests use committed data
(transactional_db) instead of a rolled-back test transaction.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from typodesk.findings.models import Finding, Report
from typodesk.ingest import fast as fast_module
from typodesk.ingest import ratelimit, sitecache, writer

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/reports"


@pytest.fixture(autouse=True)
def _fresh_state():
    ratelimit.reset_local()
    sitecache.invalidate()
    fast_module._refused_clients.clear()
    yield
    writer.shutdown()  # its connection must not outlive the test database
    sitecache.invalidate()
    ratelimit.reset_local()


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


class Answer:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], content: bytes):
        self.status_code = status
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}
        self.content = content

    def json(self):
        return json.loads(self.content)


async def _call(
    method: str, raw: bytes, headers: dict[str, str], client=("127.0.0.1", 5555), host=b"127.0.0.1"
) -> Answer:
    from typodesk.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", host)]
        + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": client,
        "server": ("127.0.0.1", 8000),
    }
    chunks = [raw[i : i + 4096] for i in range(0, len(raw), 4096)] or [b""]
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], start.get("headers", []), content)


def run(coro):
    """asyncio.run in a thread of its own (Playwright's sync API may run a loop in this one)."""
    from django.db import connections

    out = {}

    async def main():
        # One executor thread (the site cache's reads), whose connection is closed at the end:
        # no session may outlive the test database.
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(1)
        loop.set_default_executor(executor)
        try:
            return await coro
        finally:
            await loop.run_in_executor(executor, connections.close_all)

    def target():
        try:
            out["value"] = asyncio.run(main())
        except BaseException as exc:  # handed to the test's thread
            out["error"] = exc
        finally:
            connections.close_all()

    # As in production: no ORM call in the event loop's thread (there, each task would get a
    # connection of its own). The test's thread only waits meanwhile.
    unsafe = os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    t = threading.Thread(target=target)
    t.start()
    t.join()
    if unsafe is not None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = unsafe
    if "error" in out:
        raise out["error"]
    return out["value"]


def fast(method: str, data=None, headers=None, **kw) -> Answer:
    raw = data if isinstance(data, bytes) else (b"" if data is None else json.dumps(data).encode())
    sent = {"content-type": "application/json", "content-length": str(len(raw)), **(headers or {})}
    return run(_call(method, raw, sent, **kw))


def slow(client, method: str, data=None, headers=None) -> Answer:
    """The same request through Django and django-ninja (the Django test client)."""
    raw = data if isinstance(data, bytes) else (b"" if data is None else json.dumps(data).encode())
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
    r = client.generic(method, URL, raw, content_type="application/json", HTTP_HOST="127.0.0.1", **extra)
    return Answer(r.status_code, [(k.encode(), v.encode()) for k, v in r.headers.items()], r.content)


IGNORED = {"content-length", "date", "server"}


def same_answer(a: Answer, b: Answer) -> None:
    assert a.status_code == b.status_code, (a.content, b.content)
    ha = {k: v for k, v in a.headers.items() if k not in IGNORED}
    hb = {k: v for k, v in b.headers.items() if k not in IGNORED}
    assert ha == hb
    if a.status_code == 201:
        assert set(a.json()) == set(b.json()) == {"id", "finding", "duplicate"}
    else:
        assert a.json() == b.json()


BAD = [
    lambda d: d.pop("site"),
    lambda d: d.pop("quote"),
    lambda d: d["quote"].pop("exact"),
    lambda d: d.update(url="javascript:alert(1)"),
    lambda d: d.update(url="https://news.example/" + "a" * 2048),
    lambda d: d.update(site=123),
    lambda d: d.update(quote="teh"),
    lambda d: d.update(suggestion=["the"]),
    lambda d: d.update(comment="x" * 2001),
    lambda d: d["quote"].update(exact="", start=7, end=7),
    lambda d: d["quote"].update(prefix="x" * 65),
    lambda d: d["quote"].update(start="7"),
    lambda d: d["quote"].update(start=7.5),
    lambda d: d["quote"].update(start=True),
    lambda d: d["quote"].update(end=12),
    lambda d: d.update(comment="nul \x00 byte"),
    lambda d: d.update(comment="lone \ud800 surrogate"),
    lambda d: d.update(email="not-an-address"),
    lambda d: d.update(site="no-such-key"),
    lambda d: d.update(url="https://evil.example/page"),
]


def test_refusals_are_answered_exactly_as_the_ninja_endpoint_does(client, site):
    # One test for every case: each test of this module costs a database flush.
    for mutate in BAD:
        for origin in [None, "https://news.example", "https://evil.example"]:
            data = body(site)
            mutate(data)
            headers = {"origin": origin} if origin else {}
            same_answer(slow(client, "POST", data, headers), fast("POST", data, headers))
    assert Report.objects.count() == 0


MALFORMED = [
    b"",
    b"{",
    b"[1, 2]",
    b"null",
    b'"string"',
    b"\xff\xfe{}",
    b"[" * 5000 + b"]" * 5000,
    b'{"a": NaN}',
]


def test_malformed_bodies_are_answered_as_the_ninja_endpoint_does(client, site):
    for raw in MALFORMED:
        same_answer(slow(client, "POST", raw), fast("POST", raw))


def test_oversized_bodies_are_413_declared_or_not(client, site):
    big = body(site, comment="x" * 17000)
    headers = {"origin": "https://news.example"}
    same_answer(slow(client, "POST", big, headers), fast("POST", big, headers))
    declared = {"content-length": "50000000", "origin": "https://news.example"}
    r = fast("POST", b"{}", declared)
    assert r.status_code == 413 and "16 KB" in r.json()["error"]
    assert r.headers["access-control-allow-origin"] == "https://news.example"


def test_an_accepted_report_is_answered_and_stored_as_by_the_ninja_endpoint(client, site):
    headers = {"origin": "https://news.example"}
    first = slow(client, "POST", body(site), headers)
    second = fast("POST", body(site, comment="from the lean path"), headers)
    same_answer(first, second)
    assert second.json()["duplicate"] is True and second.json()["finding"] == first.json()["finding"]
    f = Finding.objects.get()
    assert f.report_count == 2
    rep = Report.objects.get(pk=second.json()["id"])
    assert (rep.comment, rep.suggestion, rep.exact, rep.title) == (
        "from the lean path",
        "the",
        "teh",
        "Lighthouse reopens",
    )
    assert len(rep.client_hash) == 32
    assert rep.client_hash == Report.objects.get(pk=first.json()["id"]).client_hash


def test_new_findings_moved_spans_and_reopening_go_through_record_report(site):
    from typodesk.findings.services import set_status

    out = fast("POST", body(site)).json()
    assert out["duplicate"] is False
    moved = fast("POST", body(site, quote={"start": 57, "end": 60})).json()
    assert moved["duplicate"] is True and moved["finding"] == out["finding"]
    set_status(Finding.objects.get(pk=out["finding"]), "fixed")
    again = fast("POST", body(site)).json()
    f = Finding.objects.get(pk=out["finding"])
    assert again["duplicate"] is True and f.status == "new" and f.report_count == 3
    assert [h.new_status for h in f.history.all()] == ["fixed", "new"]
    set_status(f, "rejected")
    fast("POST", body(site))
    f.refresh_from_db()
    assert f.status == "rejected" and f.report_count == 4


def test_the_fast_path_writes_notifications_like_record_report(site):
    from typodesk.notify.models import Channel, Notification

    Channel.objects.create(
        site=site,
        kind="webhook",
        name="Editors",
        target="https://hooks.example/x",
        events=["new", "reported"],
    )
    first = fast("POST", body(site)).json()
    before = Notification.objects.count()
    second = fast("POST", body(site, comment="again")).json()
    assert second["duplicate"] is True
    rows = list(Notification.objects.order_by("id"))[before:]
    assert rows and all(n.event == "finding.reported" for n in rows)
    assert rows[0].data["report"]["id"] == second["id"] and rows[0].data["finding"]["report_count"] == 2
    assert rows[0].data["finding"]["id"] == first["finding"]


def test_rate_limit_is_429_with_retry_after_and_cors(client, site, settings):
    settings.TYPODESK_RATE_BURST = 2
    settings.TYPODESK_RATE_PER_MINUTE = 6
    headers = {"origin": "https://news.example"}
    codes = [fast("POST", body(site), headers).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = fast("POST", body(site), headers)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 10
    assert "try again" in r.json()["error"]
    assert r.headers["access-control-allow-origin"] == "https://news.example"
    # Another reader is not affected by the first one's flood.
    assert fast("POST", body(site), client=("198.51.100.9", 1)).status_code == 201
    assert Report.objects.count() == 3


def test_a_repeated_request_over_the_limit_is_answered_from_memory_as_admission_answers_it(
    site, settings, monkeypatch
):
    from typodesk.ingest import admission

    settings.TYPODESK_RATE_BURST = 2
    settings.TYPODESK_RATE_PER_MINUTE = 1  # a minute per token: the bucket stays empty here
    headers = {"origin": "https://news.example"}
    asked = []
    admit = admission.admit
    monkeypatch.setattr(admission, "admit", lambda *a, **kw: asked.append(1) or admit(*a, **kw))
    answers = [fast("POST", body(site), headers) for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 429, 429, 429]
    # The 3rd: the writer's admission; the 4th: admission in the event loop, remembered; the 5th:
    # from memory, without admission, the same answer with the seconds counted down.
    assert len(asked) == 4
    fourth, fifth = answers[3], answers[4]
    assert {k: v for k, v in fifth.headers.items() if k != "retry-after"} == {
        k: v for k, v in fourth.headers.items() if k != "retry-after"
    }
    assert 1 <= int(fifth.headers["retry-after"]) <= int(fourth.headers["retry-after"]) <= 60
    assert fifth.json()["error"] == fourth.json()["error"].replace(
        fourth.headers["retry-after"], fifth.headers["retry-after"]
    )
    assert fifth.headers["access-control-allow-origin"] == "https://news.example"
    # The same request again goes through admission once a site changed in this process, or
    # once the buckets were forgotten.
    site.name = "News, renamed"
    site.save()
    assert fast("POST", body(site), headers).status_code == 429 and len(asked) == 5
    assert fast("POST", body(site), headers).status_code == 429 and len(asked) == 5
    ratelimit.reset_local()
    assert fast("POST", body(site), headers).status_code == 429
    assert len(asked) == 7  # in the event loop, which no longer knows the bucket, then the writer
    assert Report.objects.count() == 2


def test_a_reader_over_their_own_limit_is_refused_before_the_report_is_validated(
    site, make_site, settings, monkeypatch
):
    """A flood whose every body differs: once a reader's own bucket is known to be empty, any
    report of theirs to that site is answered 429 without validation or admission, until the
    bucket holds a token again. The reader's limit comes first: a report that would have been
    refused for something else gets the 429 too."""
    from typodesk.ingest import admission

    settings.TYPODESK_RATE_BURST = 2
    settings.TYPODESK_RATE_PER_MINUTE = 1
    headers = {"origin": "https://news.example"}
    asked, validated = [], []
    admit, validate = admission.admit, fast_module._validate_now
    monkeypatch.setattr(admission, "admit", lambda *a, **kw: asked.append(1) or admit(*a, **kw))
    monkeypatch.setattr(fast_module, "_validate_now", lambda raw: validated.append(1) or validate(raw))
    codes = [fast("POST", body(site, comment=f"bot {i}"), headers).status_code for i in range(4)]
    assert codes == [201, 201, 429, 429] and len(asked) == 4 and len(validated) == 4
    first = fast("POST", body(site, comment="bot 5"), headers)
    assert first.status_code == 429 and "try again" in first.json()["error"]
    assert 1 <= int(first.headers["retry-after"]) <= 60
    assert first.headers["access-control-allow-origin"] == "https://news.example"
    refused_anyway = [
        fast("POST", body(site, comment="bot 6"), {"origin": "https://evil.example"}),
        fast("POST", body(site, quote={"exact": "teh"}), headers),  # no offsets: a 400 otherwise
        fast("POST", body(site, url="https://evil.example/x"), headers),  # a 403 otherwise
    ]
    assert [r.status_code for r in refused_anyway] == [429, 429, 429]
    assert "access-control-allow-origin" not in refused_anyway[0].headers
    assert len(asked) == 4 and len(validated) == 4
    # Not what is not JSON, nor this reader's report to another site, nor another reader.
    assert fast("POST", b"{", headers).status_code == 400
    other = make_site(name="Other", domains=["other.example"])
    to_other = body(other, url="https://other.example/a")
    assert fast("POST", to_other, {"origin": "https://other.example"}).status_code == 429
    assert len(asked) > 4
    assert fast("POST", body(site), headers, client=("198.51.100.9", 1)).status_code == 201
    # Forgotten once the buckets are reset (or a site changes in this process).
    ratelimit.reset_local()
    before = len(asked)
    assert fast("POST", body(site, comment="bot 7"), headers).status_code == 429
    assert len(asked) > before and Report.objects.count() == 3


def test_refusals_are_counted(site):
    from typodesk.ingest import refusals

    fast("POST", b"{")
    fast("POST", body(site, site="no-such-key"))
    fast("POST", body(site, url="https://evil.example/x"))
    writer.shutdown()  # the writer hands its counts to refusals.record before it ends
    refusals.flush()
    totals = refusals.totals()
    assert totals.get("bad_body") == 1 and totals.get("unknown_site") == 1 and totals.get("domain") == 1


def test_preflight_matches_the_middleware(client, site):
    for origin in ["https://www.regional.example", "https://evil.example", "http://[", "null"]:
        headers = {"origin": origin, "access-control-request-method": "POST"}
        a, b = slow(client, "OPTIONS", None, headers), fast("OPTIONS", None, headers)
        assert a.status_code == b.status_code == 204
        assert {k: v for k, v in a.headers.items() if k not in IGNORED} == {
            k: v for k, v in b.headers.items() if k not in IGNORED
        }


def test_other_methods_and_paths_go_to_django(site):
    r = fast("GET")
    assert r.status_code == 405


def test_a_disallowed_host_gets_djangos_answer(site):
    r = run(_call("POST", json.dumps(body(site)).encode(), {}, host=b"evil.example"))
    assert r.status_code == 400
    assert Report.objects.count() == 0


# --- group commit ------------------------------------------------------------------------


def _committed(ids) -> bool:
    """Whether these reports are visible from a connection other than the writer's (a thread of
    its own: the event loop's thread makes no database calls). The in-memory SQLite database of
    the tests locks whole tables while the writer's next group is open: wait."""
    import time

    from django.db import OperationalError, connections

    def check():
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    return Report.objects.filter(pk__in=ids).count() == len(ids)
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.002)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(check).result()


def test_concurrent_reports_are_each_answered_after_their_commit(site, monkeypatch):
    """N reports at once: N answers 201, N rows; when each answer is sent its row is committed."""
    seen_committed: list[bool] = []
    original = writer._resolve
    # The tests' in-memory SQLite database locks whole tables: a check reading while the writer
    # writes its next group could cost that group its lock (a 503). The next group waits for the
    # check; the check itself waits only for the group that is committing to finish.
    gate = threading.Lock()
    process = writer.Writer._process

    def gated_process(self, batch):
        with gate:
            return process(self, batch)

    monkeypatch.setattr(writer.Writer, "_process", gated_process)

    def checking_resolve(jobs):
        try:
            ids = [j.result[1] for j in jobs if j.result[0] == "ok"]
            # This runs on the event loop's thread, whose connection is not the writer's: it
            # sees only committed rows.
            with gate:
                seen_committed.append(_committed(ids))
        except Exception as exc:
            seen_committed.append(exc)
        finally:
            original(jobs)

    monkeypatch.setattr(writer, "_resolve", checking_resolve)
    n = 40

    async def burst():
        return await asyncio.gather(
            *[
                _call(
                    "POST", json.dumps(body(site, comment=f"c{i}")).encode(), {}, client=(f"203.0.113.{i}", 1)
                )
                for i in range(n)
            ]
        )

    answers = run(burst())
    assert [a.status_code for a in answers] == [201] * n
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == n and Report.objects.filter(pk__in=ids).count() == n
    assert Finding.objects.get().report_count == n
    assert seen_committed and all(x is True for x in seen_committed), seen_committed


def _jobs(site, n, loop):
    from typodesk.ingest.fast import _admit_keywords, _report_fields
    from typodesk.ingest.schemas import ReportIn

    jobs = []
    for i in range(n):
        report = _report_fields(ReportIn.model_validate(body(site, comment=f"job {i}")))
        jobs.append(
            writer.Job(
                site=site,
                report=report,
                origin=None,
                client=f"client-{i}",
                loop=loop,
                future=loop.create_future(),
                extra=_admit_keywords(report),
            )
        )
    return jobs


def _process(site, n):
    """One group of ``n`` reports through a writer's _process; the results the requests get."""
    w = writer.Writer(batch_max=100, queue_max=100)

    async def go():
        loop = asyncio.get_running_loop()
        jobs = _jobs(site, n, loop)
        await loop.run_in_executor(None, w._process, jobs)
        return [await j.future for j in jobs]

    return w, run(go())


def test_one_group_is_one_transaction(site, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    commits = []
    real_commit = BaseDatabaseWrapper.commit

    def commit(self):
        commits.append(1)
        return real_commit(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", commit)
    # The first group meets new rate-limit buckets, whose creation commits on its own.
    _process(site, 10)
    commits.clear()
    w, results = _process(site, 10)
    assert [r[0] for r in results] == ["ok"] * 10
    # PostgreSQL: each bucket update commits by itself (autocommit, no transaction to count);
    # the reports of the group share one commit on both databases.
    assert len(commits) == 1 and w.batches == 1
    assert Report.objects.count() == 20


def test_each_report_of_a_group_is_answered_with_its_own_row(site):
    """The ids a group's answers carry are the rows holding those reports (on SQLite they are
    worked out from the last id of the group's one INSERT, not read back row by row)."""
    _process(site, 3)  # the finding exists: the rest are the common case, recorded together
    for n in (1, 7, 30):
        w, results = _process(site, n)
        assert [r[0] for r in results] == ["ok"] * n
        ids = [r[1] for r in results]
        comments = dict(Report.objects.filter(pk__in=ids).values_list("pk", "comment"))
        assert [comments.get(pk) for pk in ids] == [f"job {i}" for i in range(n)]
        assert w.batches == 1


def test_a_failing_report_does_not_cost_the_others_theirs(site, monkeypatch):
    from typodesk.findings import services

    real, real_many = services.record_report_fast, services.record_reports_fast

    def flaky(s, **kw):
        if kw["comment"] == "job 3":
            raise ValueError("boom")
        return real(s, **kw)

    def flaky_many(s, items, channels):
        if any(item["comment"] == "job 3" for item in items):
            raise ValueError("boom")
        return real_many(s, items, channels)

    monkeypatch.setattr(services, "record_report_fast", flaky)
    monkeypatch.setattr(services, "record_reports_fast", flaky_many)
    fast("POST", body(site))  # the finding exists: the others take the fast path
    _, results = _process(site, 6)
    assert [r[0] for r in results] == ["ok", "ok", "ok", "error", "ok", "ok"]
    assert results[3][1] == 500
    comments = set(Report.objects.values_list("comment", flat=True))
    assert comments == {"", "job 0", "job 1", "job 2", "job 4", "job 5"}
    assert Finding.objects.get().report_count == 6


def test_a_full_queue_answers_503(site, settings):
    w = writer.get()
    w.queue_max = 0
    r = fast("POST", body(site))
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "busy" in r.json()["error"]


# --- the site cache ----------------------------------------------------------------------


def test_a_domain_removed_in_this_process_is_refused_at_once(site):
    from typodesk.sites.models import Domain

    assert fast("POST", body(site)).status_code == 201
    Domain.objects.filter(site=site, host="news.example").delete()
    r = fast("POST", body(site))
    assert r.status_code == 403 and r.json()["field"] == "url"


def test_a_domain_added_in_this_process_is_accepted_at_once(site):
    from typodesk.sites.models import Domain

    assert fast("POST", body(site, url="https://later.example/a")).status_code == 403
    Domain.objects.create(site=site, host="later.example")
    assert fast("POST", body(site, url="https://later.example/a")).status_code == 201


def test_a_change_made_elsewhere_is_seen_once_the_entry_expires(site, monkeypatch):
    from typodesk.sites.models import Domain

    clock = [1000.0]
    monkeypatch.setattr(sitecache.time, "monotonic", lambda: clock[0])
    assert fast("POST", body(site)).status_code == 201
    # Another process changes the domain: no signal reaches this one.
    Domain.objects.filter(site=site, host="news.example").update(host="renamed.example")
    clock[0] += sitecache.TTL / 2
    assert fast("POST", body(site)).status_code == 201  # still the cached site
    clock[0] += sitecache.TTL
    assert fast("POST", body(site)).status_code == 403


def test_a_site_created_after_its_key_was_refused_is_found(make_site, site):
    fast("POST", body(site, site="later"))  # cached as unknown
    from typodesk.sites.models import Site

    new = make_site(name="Later", domains=["later.example"])
    Site.objects.filter(pk=new.pk).update(public_key="later")
    sitecache.invalidate()  # what any Site/Domain save in this process does
    r = fast("POST", body(new, site="later", url="https://later.example/a"))
    assert r.status_code == 201


def test_a_group_leaves_what_recording_one_by_one_leaves(make_site):
    """The same reports into two sites: one by one through record_report, and as one writer group."""
    from typodesk.findings.services import Quote, record_report
    from typodesk.sites.models import Site

    one = make_site(name="One", domains=["news.example"])
    group = make_site(name="Group", domains=["news.example"])
    Site.objects.filter(pk__in=[one.pk, group.pk]).update(allow_reader_email=True)
    one.refresh_from_db()
    group.refresh_from_db()
    reports = []
    for i in range(12):
        page = f"https://news.example/p{i % 2}"
        start = 7 if i % 3 else 30
        quote = {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": start, "end": start + 3}
        title = ["", "First title", "Second title"][i % 3]
        reports.append(
            {
                "url": page,
                "quote": quote,
                "title": title,
                "lang": "en" if i % 4 else "",
                "suggestion": "the",
                "comment": f"r{i}",
                "email": f"r{i}@mail.example",
            }
        )
    # Both sites already know the spans of the first two reports (the group's common case).
    for s in (one, group):
        for r in reports[:2]:
            record_report(
                s,
                url=r["url"],
                quote=Quote(
                    **{k: r["quote"].get(k, "") for k in ("exact", "prefix", "suffix", "start", "end")}
                ),
                title="Old",
            )
    for r in reports:
        q = r["quote"]
        record_report(
            one,
            url=r["url"],
            quote=Quote(q["exact"], q["prefix"], q["suffix"], q["start"], q["end"]),
            title=r["title"],
            lang=r["lang"],
            suggestion=r["suggestion"],
            comment=r["comment"],
            email=r["email"],
            client_hash="c",
        )
    from typodesk.ingest.fast import _admit_keywords, _report_fields
    from typodesk.ingest.schemas import ReportIn

    w = writer.Writer(batch_max=100, queue_max=100)

    async def go():
        loop = asyncio.get_running_loop()
        jobs = []
        for r in reports:
            payload = _report_fields(ReportIn.model_validate({"site": group.public_key, **r}))
            jobs.append(
                writer.Job(
                    site=group,
                    report=payload,
                    origin=None,
                    client="c",
                    loop=loop,
                    future=loop.create_future(),
                    extra=_admit_keywords(payload),
                )
            )
        await loop.run_in_executor(None, w._process, jobs)
        return [await j.future for j in jobs]

    results = run(go())
    assert [r[0] for r in results] == ["ok"] * len(reports)

    def state(s):
        findings = sorted(
            (f.page.url, f.page.title, f.page.lang, f.start, f.report_count, f.status)
            for f in Finding.objects.filter(site=s).select_related("page")
        )
        rows = sorted(
            Report.objects.filter(finding__site=s).values_list(
                "finding__start", "url", "title", "lang", "exact", "suggestion", "comment", "email"
            )
        )
        return findings, rows

    assert state(group) == state(one)
