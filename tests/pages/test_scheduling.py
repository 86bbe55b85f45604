"""When pages are read, and how several workers share the work without stepping on each other."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.pages.conftest import STORY, fresh, read_due_pages
from typodesk.findings.services import set_status
from typodesk.pages.jobs import PageReader, release_slot, take_slot
from typodesk.pages.models import PageCheck
from typodesk.pages.schedule import interval, next_due, schedule, schedule_now
from typodesk.worker import default_jobs

pytestmark = pytest.mark.django_db


def test_a_new_finding_schedules_a_reading_shortly_after_and_a_duplicate_does_not_postpone_it(
    server, report, settings
):
    settings.TYPODESK_FETCH_FIRST_DELAY = 30
    server.pages["/story"] = STORY
    before = timezone.now()
    finding = report("/story", "teh")
    check = PageCheck.objects.get(page=finding.page)
    assert before + timedelta(seconds=29) < check.due_at < timezone.now() + timedelta(seconds=31)
    assert check.reason == "report"
    due = check.due_at
    report("/story", "teh")
    report("/story", "trafic")
    assert PageCheck.objects.get(page=finding.page).due_at == due
    assert read_due_pages() == 0  # not yet


def test_marking_fixed_schedules_a_reading(server, report, editor, settings):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    settings.TYPODESK_FETCH_FIXED_DELAY = 60
    set_status(finding, "fixed", editor)
    check = PageCheck.objects.get(page=finding.page)
    assert check.reason == "fixed" and check.due_at < timezone.now() + timedelta(seconds=61)


def test_the_schedule_backs_off_with_the_age_of_the_findings(server, report, settings):
    settings.TYPODESK_RECHECK_MIN = 3600
    settings.TYPODESK_RECHECK_MAX = 7 * 86400
    assert interval(timedelta(hours=2)) == timedelta(hours=1)
    assert interval(timedelta(days=7)) == timedelta(hours=7)
    assert interval(timedelta(days=365)) == timedelta(days=7)
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    now = timezone.now()
    assert next_due(finding.page_id, now) == now + timedelta(hours=1)
    type(finding).objects.filter(pk=finding.pk).update(last_reported=now - timedelta(days=48))
    assert next_due(finding.page_id, now) == now + timedelta(days=2)


def test_after_a_reading_the_next_one_follows_the_schedule_and_stops_when_nothing_is_left(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    check = PageCheck.objects.get(page=finding.page)
    assert check.reason == "schedule"
    assert timedelta(minutes=59) < check.due_at - timezone.now() <= timedelta(hours=1)
    set_status(finding, "rejected")
    schedule_now(finding.page, "desk")  # nothing to verify: not even scheduled
    check.refresh_from_db()
    assert check.due_at > timezone.now() + timedelta(minutes=59)
    PageCheck.objects.filter(pk=check.pk).update(due_at=timezone.now())
    read_due_pages()
    check.refresh_from_db()
    assert check.due_at is None


def test_a_page_is_claimed_by_one_worker_only(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    check = PageCheck.objects.get(page=finding.page)
    a, b = PageReader(worker_id="a"), PageReader(worker_id="b")
    token = a.claim(check.pk)
    assert token and token.startswith("a#")
    assert b.claim(check.pk) is None
    assert b.due_ids() == []
    a.process(check.pk, token)
    check.refresh_from_db()
    assert check.claimed_by == "" and check.lease_until is None and check.last_status == 200


def test_a_worker_that_died_mid_reading_leaves_the_page_due_when_its_lease_ends(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    check = PageCheck.objects.get(page=finding.page)
    assert PageReader(worker_id="dead").claim(check.pk)
    check.refresh_from_db()
    assert check.due_at == check.lease_until  # due again exactly when the lease runs out
    later = PageReader(worker_id="b", clock=lambda: check.lease_until + timedelta(seconds=1))
    assert later.due_ids() == [check.pk] and later.claim(check.pk)


def test_a_recheck_requested_while_the_page_is_being_read_is_not_lost(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    check = PageCheck.objects.get(page=finding.page)
    reader = PageReader(worker_id="a")
    token = reader.claim(check.pk)
    schedule_now(finding.page, "desk")  # the editor clicks while the worker reads
    reader.process(check.pk, token)
    check.refresh_from_db()
    assert check.due_at <= timezone.now() and check.reason == "desk"
    assert read_due_pages() == 1


def test_at_most_n_requests_at_once_per_site(site, settings):
    settings.TYPODESK_FETCH_PER_SITE = 2
    now = timezone.now()
    first, second = take_slot(site.pk, "w1", now), take_slot(site.pk, "w2", now)
    assert {first, second} == {0, 1}
    assert take_slot(site.pk, "w3", now) is None
    release_slot(site.pk, first, "w1")
    assert take_slot(site.pk, "w3", now) == first
    # A slot whose holder died frees itself when its lease ends.
    assert take_slot(site.pk, "w4", now + timedelta(hours=1)) is not None


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_read_each_page_once_and_respect_the_per_site_limit(server, site, settings):
    """Threads sharing one database; on SQLite the same runs across processes in test_worker_e2e."""
    from django.db import connection

    from tests.pages.conftest import quote_in
    from typodesk.findings.services import record_report

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks tables between threads")
    settings.TYPODESK_FETCH_PER_SITE = 2
    for i in range(8):
        server.pages[f"/story-{i}"] = STORY
        server.delay[f"/story-{i}"] = 0.2
        record_report(site, url=server.url(f"/story-{i}"), quote=quote_in(STORY, "teh"), lang="en")
    readers = [PageReader(worker_id=f"w{i}") for i in range(4)]

    def run(reader):
        from django.db import connection

        try:
            for _ in range(10):
                reader.tick()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    story_hits = [r for r in server.requests if r["path"].startswith("/story-")]
    assert sorted(r["path"] for r in story_hits) == sorted(f"/story-{i}" for i in range(8))
    assert server.peak <= 2
    assert PageCheck.objects.filter(last_status=200).count() == 8


def test_the_worker_runs_the_page_reader_and_the_spell_checker():
    names = [job.name for job in default_jobs("w", lambda: False)]
    assert "pages" in names and "spelling" in names


def test_schedule_only_ever_moves_a_reading_earlier(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    due = PageCheck.objects.get(page=finding.page).due_at
    schedule(finding.page, delay=3600)
    assert PageCheck.objects.get(page=finding.page).due_at == due
    assert fresh(finding).status == "new"
