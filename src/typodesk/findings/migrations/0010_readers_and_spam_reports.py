"""Readers, not requests; a finding is spam only while its reports are (docs/abuse.md).

* ``Finding.reader_count``: the distinct readers among a finding's reports (the day's reader
  hash; a report without one counts alone), filled in for the findings that exist;
* ``Report.spam``: why admission judged the report spam, filled in from the history admission
  wrote so far ("Automatically: …" on the finding that went to spam, "report #N looks like
  spam: …" on a finding it joined);
* the findings that went to the spam folder automatically while clean reports of enough other
  readers confirm them go back to the inbox as new, with a note in their history;
* an index to tell, per group of reports, which readers reported a finding before.

The two columns are added with ``ALTER TABLE … ADD COLUMN … NOT NULL DEFAULT`` on both databases:
Django's SQLite schema editor would rebuild the tables for a NOT NULL column, and the triggers of
migrations 0005 and 0006 do not survive a rebuild; the database default also lets processes of
the previous version insert rows while the upgrade runs.
"""

from django.conf import settings
from django.db import migrations, models

COLUMNS = [
    ("findings_finding", "reader_count", "integer NOT NULL DEFAULT 0 CHECK (reader_count >= 0)"),
    ("findings_report", "spam", "varchar(500) NOT NULL DEFAULT ''"),
]


def add_columns(apps, schema_editor):
    q = schema_editor.quote_name
    for table, column, definition in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(column)} {definition}")


def drop_columns(apps, schema_editor):
    q = schema_editor.quote_name
    for table, column, _definition in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {q(table)} DROP COLUMN {q(column)}")


def backfill(apps, schema_editor):
    Finding = apps.get_model("findings", "Finding")
    Report = apps.get_model("findings", "Report")
    StatusChange = apps.get_model("findings", "StatusChange")
    schema_editor.execute(
        "UPDATE findings_finding SET reader_count = "
        "(SELECT COUNT(DISTINCT r.client_hash) FROM findings_report r"
        " WHERE r.finding_id = findings_finding.id AND r.client_hash <> '')"
        " + (SELECT COUNT(*) FROM findings_report r"
        " WHERE r.finding_id = findings_finding.id AND r.client_hash = '')"
    )
    notes = StatusChange.objects.filter(user=None, note__startswith="Automatically: ").exclude(
        note__startswith="Automatically: report #"
    )
    # A new finding admission sent to spam: its first report was the suspicious one.
    for finding_id, note in notes.filter(new_status="spam").values_list("finding_id", "note").iterator():
        first = Report.objects.filter(finding_id=finding_id).order_by("created", "pk").first()
        if first is not None:
            Report.objects.filter(pk=first.pk).update(spam=note.removeprefix("Automatically: ")[:500])
    # A suspicious report that joined a finding: "Automatically: report #12 looks like spam: why".
    joined = StatusChange.objects.filter(user=None, note__startswith="Automatically: report #")
    for finding_id, note in joined.values_list("finding_id", "note").iterator():
        number, _, why = note.removeprefix("Automatically: report #").partition(" looks like spam: ")
        if number.isdigit() and why:
            Report.objects.filter(pk=int(number), finding_id=finding_id).update(spam=why[:500])
    lift_confirmed(Finding, Report, StatusChange)


def lift_confirmed(Finding, Report, StatusChange) -> None:
    """findings.services._lift_from_spam for the findings already in the folder (no notification:
    they are not news)."""
    from django.utils import timezone

    need = settings.TYPODESK_SPAM_LIFT_READERS
    now = timezone.now()
    for finding in Finding.objects.filter(status="spam").only("pk").iterator():
        last = (
            StatusChange.objects.filter(finding=finding, new_status="spam")
            .order_by("-created", "-pk")
            .first()
        )
        if last is None or last.user_id is not None:
            continue
        reports = Report.objects.filter(finding=finding)
        spammers = reports.exclude(spam="").exclude(client_hash="").values("client_hash")
        clean = reports.filter(spam="").exclude(client_hash__in=spammers)
        readers = clean.exclude(client_hash="").values("client_hash").distinct().count()
        readers += clean.filter(client_hash="").count()
        if readers < need:
            continue
        Finding.objects.filter(pk=finding.pk).update(status="new", status_changed=now)
        StatusChange.objects.create(
            finding=finding,
            user=None,
            old_status="spam",
            new_status="new",
            note=f"Automatically: {readers} readers reported it without anything that looks like spam;"
            " back from the spam folder.",
        )


class Migration(migrations.Migration):
    dependencies = [("findings", "0009_finding_search_per_statement")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name="finding", name="reader_count", field=models.PositiveIntegerField(default=0)
                ),
                migrations.AddField(
                    model_name="report", name="spam", field=models.CharField(blank=True, max_length=500)
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["finding", "client_hash"], name="report_finding_reader"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
