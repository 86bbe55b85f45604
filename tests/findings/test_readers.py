"""Readers, not requests: the same reader reporting the same mistake twice counts once, on every
path (one report, a group of the report endpoint), and findings from before are counted too."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, transaction

from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.findings.services import Quote, record_report, record_reports

pytestmark = pytest.mark.django_db(transaction=True)

Q = Quote("teh", "It was ", " best", 7, 10)


def item(reader: str, **over) -> dict:
    return {"url": "https://news.example/a", "quote": Q, "client_hash": reader, **over}


def test_one_report_at_a_time_counts_readers(make_site):
    site = make_site()
    for reader in ("r1", "r2", "r1", "", ""):
        f = record_report(site, **item(reader)).finding
    f.refresh_from_db()
    assert (f.report_count, f.reader_count) == (5, 4)  # r1 twice; each report without a hash alone


def test_a_group_counts_readers_in_one_look_up(make_site, django_assert_max_num_queries):
    site = make_site()
    record_report(site, **item("r1"))
    group = [item(r) for r in ("r1", "r2", "r2", "r3", "")] + [
        item("r1", url="https://news.example/b"),
        item("r9", url="https://news.example/b"),
    ]
    record_report(site, **item("r8", url="https://news.example/b"))
    # Per group: one look-up per span, one reader look-up, one UPDATE per finding, one INSERT,
    # the channel check; whatever the number of reports.
    with transaction.atomic(), django_assert_max_num_queries(8):
        out = record_reports(site, group)
    assert all(dup for _, _, dup in out)
    a, b = (Finding.objects.get(page__url=f"https://news.example/{p}") for p in "ab")
    assert (a.report_count, a.reader_count) == (6, 4)  # r1 (before), r2, r3, no hash
    assert (b.report_count, b.reader_count) == (3, 3)  # r8 (before), r1, r9


def test_the_migration_counts_readers_and_marks_spam_reports_from_the_history(make_site, settings):
    from django.apps import apps

    migration = importlib.import_module("typodesk.findings.migrations.0010_readers_and_spam_reports")
    site = make_site()
    buried = record_report(site, **item("s", comment="x"), spam="the same comment on 3 pages").finding
    for reader in ("a", "b", "b", ""):
        record_report(site, **item(reader))
    joined = record_report(site, **item("a", url="https://news.example/c")).finding
    suspicious = record_report(site, **item("z", url="https://news.example/c"), spam="2 links in the comment")
    # As the previous version left them: no reader count, no spam mark on the reports, the
    # finding still in the folder.
    Finding.objects.update(reader_count=0)
    Report.objects.update(spam="")
    Finding.objects.filter(pk=buried.pk).update(status="spam")
    StatusChange.objects.filter(finding=buried, new_status="new").delete()
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)
    buried.refresh_from_db()
    joined.refresh_from_db()
    assert buried.reader_count == 4 and joined.reader_count == 2
    assert Report.objects.get(pk=suspicious.report.pk).spam == "2 links in the comment"
    assert Report.objects.filter(finding=buried).exclude(spam="").get().client_hash == "s"
    assert buried.status == "new"  # three clean readers: a, b and one without a hash
    assert buried.history.order_by("-pk").first().note.startswith("Automatically: 3 readers")
