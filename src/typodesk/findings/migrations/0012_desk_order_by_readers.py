"""The desk's inbox orders by readers (``Finding.reader_count``), not by raw reports: its three
order indexes lead with the reader count instead, so that the default order of the inbox and of
``GET /api/v1/findings`` still walks an index (typodesk.findings.listing).

Index operations only: on SQLite, altering a column of ``findings_finding`` would rebuild the
table, and the triggers of migrations 0005 and 0006 do not survive a rebuild.
"""

from django.db import migrations, models

ORDER = ["-reader_count", "-last_reported", "-id"]


def indexes(order: list[str]) -> list[models.Index]:
    """The three order indexes, as migration 0005 made them but for the leading count."""
    return [
        models.Index(fields=["site", "status", *order], name="finding_desk_order"),
        models.Index(fields=["site", "lang", "status", *order], name="finding_desk_lang"),
        models.Index(
            fields=["site", "status", *order],
            name="finding_desk_suggested",
            condition=models.Q(has_suggestion=True),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0011_merge_history_and_readers"),
    ]

    operations = [
        *(migrations.RemoveIndex(model_name="finding", name=index.name) for index in indexes(ORDER)),
        *(migrations.AddIndex(model_name="finding", index=index) for index in indexes(ORDER)),
    ]
