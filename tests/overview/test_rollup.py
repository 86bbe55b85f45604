"""The overview's rollup: counts kept incrementally from the feeds agree with a rebuild from scratch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.findings.services import Quote, record_report, set_status
from typodesk.overview import rollup
from typodesk.overview.models import Feed, FixTime, PageCount, ReportDay, SectionCount, StatusCount
from typodesk.overview.views import gather, median

pytestmark = pytest.mark.django_db


def report(site, exact, path="/news/story", start=7, lang="en", **kw):
    return record_report(
        site,
        url=f"https://{site.hosts()[0]}{path}",
        quote=Quote(exact, "It was ", " best of", start, start + len(exact)),
        title=kw.pop("title", path),
        lang=lang,
        notify=False,
        **kw,
    )


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


def snapshot(site):
    return {
        "days": sorted(
            ReportDay.objects.filter(site=site, reports__gt=0).values_list("day", "lang", "reports")
        ),
        "statuses": sorted(
            StatusCount.objects.filter(site=site, findings__gt=0).values_list("status", "findings")
        ),
        "pages": sorted(
            PageCount.objects.filter(site=site)
            .exclude(mistakes=0, open=0)
            .values_list("page_id", "mistakes", "open")
        ),
        "sections": sorted(
            SectionCount.objects.filter(site=site)
            .exclude(mistakes=0, open=0)
            .values_list("section", "mistakes", "open")
        ),
        "fixes": sorted(
            FixTime.objects.filter(site=site, fixes__gt=0).values_list("week", "bucket", "fixes")
        ),
    }


def test_incremental_counts_match_a_rebuild_and_the_tables(site, editor, make_site):
    rollup.catch_up()  # builds the (empty) rollup: from now on, feeds
    assert set(Feed.objects.values_list("name", flat=True)) == {"reports", "findings", "changes"}
    other = make_site(name="Other", domains=["other.example"])
    a = report(site, "teh", "/news/a", lang="en-GB").finding
    report(site, "teh", "/news/a", lang="ru")
    b = report(site, "wrold", "/news/b", start=30, lang="ru").finding
    c = report(site, "speling", "/sport/c", lang="").finding
    report(site, "buy pills", "/", lang="en", spam="link to a pharmacy").finding
    report(other, "elsewhere", "/x")
    set_status(a, "fixed", editor)
    set_status(b, "rejected", editor)
    set_status(b, "new", editor)
    set_status(c, "fixed", editor)
    report(site, "speling", "/sport/c")  # a reader reopens it
    rollup.catch_up(batch=2)  # small batches: the high-water mark moves several times
    incremental = snapshot(site)
    assert dict(incremental["statuses"]) == {"new": 2, "fixed": 1, "spam": 1}
    assert dict(incremental["statuses"]) == {
        s: Finding.objects.filter(site=site, status=s).count() for s in ("new", "fixed", "spam")
    }
    assert [(lang, n) for _d, lang, n in incremental["days"]] == [("", 1), ("en", 3), ("ru", 2)]
    assert incremental["sections"] == [("news", 2, 1), ("sport", 1, 1)]
    assert sum(n for *_x, n in incremental["fixes"]) == 2  # a and c were fixed once each
    rollup.rebuild()
    rebuilt = snapshot(site)
    for key in ("days", "statuses", "pages", "sections"):
        assert incremental[key] == rebuilt[key], key
    # A rebuild counts the fixes of the findings fixed now (c was reopened since).
    assert sum(n for *_x, n in rebuilt["fixes"]) == 1


def test_a_row_committed_late_below_the_high_water_mark_is_counted(site):
    rollup.catch_up()
    first = report(site, "one").finding
    second = report(site, "two", start=40).finding
    # Play a transaction that committed after a later one: hide the first report's row while
    # the feed reads, then bring it back.
    row = Report.objects.get(finding=first)
    Report.objects.filter(pk=row.pk).update(finding=second)
    Report.objects.filter(pk=row.pk).delete()
    rollup.catch_up()
    # (On PostgreSQL, ids of rows other tests rolled back are waited for too.)
    assert row.pk in [pk for pk, _t in rollup.Feed.objects.get(name="reports").gaps]
    assert sum(ReportDay.objects.filter(site=site).values_list("reports", flat=True)) == 1
    row.finding = first
    row.save(force_insert=True)
    rollup.catch_up()
    assert sum(ReportDay.objects.filter(site=site).values_list("reports", flat=True)) == 2
    assert row.pk not in [pk for pk, _t in rollup.Feed.objects.get(name="reports").gaps]
    # An id never seen is given up after a while.
    feed = Feed.objects.get(name="reports")
    feed.gaps = [[10**9 - 1, 0.0]]
    feed.high_water = 10**9
    feed.save()
    assert rollup.advance("reports") == 0
    assert Feed.objects.get(name="reports").gaps == []


def test_two_workers_never_count_a_batch_twice(site):
    rollup.catch_up()
    report(site, "teh")
    stale = Feed.objects.get(name="reports")  # what a second worker read before the first wrote
    assert rollup.advance("reports") == 1
    assert rollup.advance("reports", feed=stale) == 0
    assert sum(ReportDay.objects.filter(site=site).values_list("reports", flat=True)) == 1


def test_fix_time_buckets_and_medians():
    assert rollup.seconds_of(rollup.bucket_of(7200)) == pytest.approx(7200, rel=0.01)
    assert rollup.bucket_of(0.2) == 0
    from collections import Counter

    hours = [1, 2, 10]
    c = Counter(rollup.bucket_of(h * 3600) for h in hours)
    assert median(c) == pytest.approx(2 * 3600, rel=0.01)
    c[rollup.bucket_of(20 * 3600)] += 1
    assert median(c) == pytest.approx(6 * 3600, rel=0.01)  # mean of the two middle ones
    assert median(Counter()) is None


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Baku", "Asia/Kolkata", "Asia/Kathmandu", "Europe/London", "Australia/Lord_Howe"]
)
def test_local_days_are_those_of_the_configured_zone_across_offsets_and_clock_changes(zone, settings):
    """local_day() reuses one conversion per UTC quarter hour: right for half- and
    quarter-hour offsets and for clock changes (Lord Howe moves by half an hour)."""
    import random
    from datetime import UTC, datetime

    settings.TIME_ZONE = zone
    rng = random.Random(zone)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(20_000):
        when = start + timedelta(seconds=rng.uniform(0, 366 * 86400))
        assert rollup.local_day(when) == timezone.localtime(when).date(), when


def test_sections_and_languages():
    assert rollup.section_of("https://n.example/news/2024/x") == "news"
    assert rollup.section_of("https://n.example/") == ""
    assert rollup.section_of("https://n.example") == ""
    # A sub-section is a section of its own; the page itself and numbers (dates, ids) are not.
    assert rollup.section_of("https://n.example/news/story") == "news"
    assert rollup.section_of("https://n.example/news/story/") == "news"  # a permalink with a slash
    assert rollup.section_of("https://n.example/news/") == "news"
    assert rollup.section_of("https://n.example/news/sport/story") == "news/sport"
    assert rollup.section_of("https://n.example/news/sport/2024/05/story") == "news/sport"
    assert rollup.section_of("https://n.example/news/sport/football/story") == "news/sport"
    assert rollup.section_of("https://n.example/2024/05/story") == "2024"
    assert rollup.section_of("https://n.example/story") == "story"
    assert rollup.lang_of("en-GB") == "en" and rollup.lang_of("RU") == "ru" and rollup.lang_of("") == ""
    assert rollup.lang_of("<b>") == "" and rollup.lang_of("az-Latn-AZ") == "az"


def test_gather_reads_the_last_90_days_and_13_weeks(site, editor):
    rollup.catch_up()
    now = timezone.now()
    old = report(site, "old", when=now - timedelta(days=120)).finding
    recent = report(site, "new", start=30, when=now - timedelta(days=3)).finding
    report(site, "new", start=30, when=now - timedelta(days=3))
    set_status(recent, "fixed", editor)
    rollup.catch_up()
    o = gather(site)
    assert o.reports_90 == 2 and len(o.days) == 90
    assert dict(o.days)[timezone.localdate() - timedelta(days=3)] == 2
    assert o.open == 1 and o.closed == 1
    assert o.median_fix == pytest.approx(3 * 86400, rel=0.011)
    assert [p.page_id for p in o.pages] == [old.page_id]  # one page, two findings
    assert o.pages[0].mistakes == 2


def test_the_overview_is_for_members_only(client, site, editor, make_user, make_site):
    rollup.catch_up()
    url = reverse("overview:site", args=[site.public_key])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(make_user("stranger@else.example"))
    assert client.get(url).status_code == 404
    viewer = make_user("viewer@news.example")
    from typodesk.sites.models import Membership

    Membership.objects.create(site=site, user=viewer, role="viewer")
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    assert client.get(reverse("overview:index")).url == url


def test_the_worker_job_builds_then_follows_and_rests_when_idle(site):
    ticks = iter(range(1000))
    job = rollup.Rollup(idle_interval=5, clock=lambda: next(ticks))
    assert job.tick() == 1  # the build
    assert job.tick() == 0  # nothing new: rests for 5 "seconds"
    report(site, "teh")
    assert job.tick() == 0  # still resting
    for _ in range(5):
        job.tick()
    assert sum(ReportDay.objects.filter(site=site).values_list("reports", flat=True)) == 1
    assert StatusChange.objects.count() == 0


def test_while_reports_keep_coming_the_job_counts_them_once_a_second(site):
    """Each look is a write transaction that reports being stored wait for: under a flood the
    job counts what arrived in the last second in one, instead of a few rows per look."""
    now = [0.0]
    job = rollup.Rollup(batch=3, idle_interval=5, busy_interval=1, clock=lambda: now[0])
    assert job.tick() == 1  # the build
    now[0] = 10.0
    report(site, "teh")
    assert job.tick() == 2  # the report and its new finding
    report(site, "teh")
    now[0] = 10.5
    assert job.tick() == 0  # counted a moment ago: waits for the second to pass
    now[0] = 11.0
    assert job.tick() == 1
    for _ in range(4):
        report(site, "teh")
    now[0] = 12.0
    assert job.tick() == 3  # a full batch: there is more, and the next look is at once
    assert job.tick() == 1
    assert job.tick() == 0
    assert sum(ReportDay.objects.filter(site=site).values_list("reports", flat=True)) == 6


def test_the_rebuild_command(site, capsys):
    from django.core.management import call_command

    report(site, "teh", "/news/a")
    call_command("overview_rebuild")
    assert "overview rebuilt: 1 report days, 1 pages, 1 sections" in capsys.readouterr().out
    assert StatusCount.objects.get(site=site, status="new").findings == 1


def test_sub_sections_are_rows_of_their_own_on_the_overview(client, site, editor):
    report(site, "teh", "/news/sport/match")
    report(site, "wrold", "/news/sport/2026/12/final", start=30)
    report(site, "recieve", "/news/city-council")
    rollup.catch_up()
    rows = dict(SectionCount.objects.filter(site=site).values_list("section", "mistakes"))
    assert rows == {"news/sport": 2, "news": 1}
    client.force_login(editor)
    html = client.get(reverse("overview:site", args=[site.public_key])).content.decode()
    assert '<th scope="row">/news/sport/</th>' in html and '<th scope="row">/news/</th>' in html


def test_counts_as_of_moves_while_nothing_new_arrives(client, site, editor):
    report(site, "teh")
    rollup.catch_up()
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Feed.objects.update(updated_at=two_hours_ago)
    client.force_login(editor)
    url = reverse("overview:site", args=[site.public_key])
    assert client.get(url).context["o"].as_of == two_hours_ago  # as the worker last said
    # The worker looks again and finds nothing new: the counts are as of that look.
    before = timezone.now()
    assert rollup.catch_up() == 0
    assert all(f.updated_at >= before for f in Feed.objects.all())
    as_of = client.get(url).context["o"].as_of
    assert as_of >= before
    # Looks within half a minute write nothing (an idle worker is not a stream of writes).
    rollup.catch_up()
    assert client.get(url).context["o"].as_of == as_of
