"""Migrations must be safe to run while the previous version still serves (docs/operations.md).

During a rolling upgrade, ``typodesk init`` (migrate) runs while old server and worker processes
keep answering with the old code. The old code must go on working against the new schema, so a
migration may only *add*: new tables, new nullable columns or columns with a database default
(``db_default``), new indexes. Dropping or renaming a column or a table, or adding a NOT NULL
column the old code does not fill in, breaks the old processes in the middle of the upgrade;
that takes two releases (stop using it, then remove it) — see "Migrations" in the docs.

Django's ``default=`` is not enough for a NOT NULL column: Django fills existing rows with it
and then drops the default from the database, so an INSERT by the old code fails.
"""

from __future__ import annotations

import re

from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

# Migrations written before this rule existed (every one of them ran on instances stopped for
# the upgrade). The list is closed: a new migration is checked.
BEFORE_THE_RULE = {
    ("findings", "0002_verification_and_spelling"),
    ("findings", "0003_duplicate_and_note"),
    ("findings", "0004_report_email"),
    ("findings", "0005_desk_inbox"),
    ("typodesk_sites", "0002_site_token"),
    ("typodesk_sites", "0003_site_allow_reader_email"),
    ("typodesk_sites", "0004_site_settings_invitations"),
}

DESTRUCTIVE_SQL = re.compile(r"\b(DROP\s+(TABLE|COLUMN)|RENAME\s+(TO|COLUMN))\b", re.IGNORECASE)


def typodesk_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = [
        (key, migration)
        for key, migration in sorted(loader.disk_migrations.items())
        if migration.__module__.startswith("typodesk.")
    ]
    return loader, found


def _forward_sql(operation) -> list[str]:
    sql = operation.sql
    items = [sql] if isinstance(sql, str) else list(sql)
    return [s if isinstance(s, str) else s[0] for s in items]


def problems_of(loader, key, migration) -> list[str]:
    """Every operation of the migration that old processes could not live with."""
    found = []
    state = None

    def before():
        nonlocal state
        if state is None:
            state = loader.project_state(key, at_end=False)
        return state

    for op in migration.operations:
        where = f"{key[0]}.{key[1]}: {op.describe()}"
        if isinstance(op, ops.RemoveField | ops.DeleteModel):
            found.append(f"{where}: drops a column or table the old code still reads")
        elif isinstance(op, ops.RenameField | ops.RenameModel | ops.AlterModelTable):
            found.append(f"{where}: renames a column or table the old code still uses")
        elif isinstance(op, ops.AddField):
            field = op.field
            if not field.many_to_many and not field.null and not field.has_db_default():
                found.append(
                    f"{where}: a NOT NULL column without db_default; the old code's INSERTs would fail"
                )
        elif isinstance(op, ops.AlterField):
            old = before().models[(key[0], op.model_name_lower)].fields[op.name]
            new = op.field
            if old.db_column != new.db_column:
                found.append(f"{where}: renames the column")
            if old.null and not new.null:
                found.append(f"{where}: makes a column NOT NULL that the old code may leave empty")
            if old.get_internal_type() != new.get_internal_type():
                found.append(f"{where}: changes the column's type")
            elif getattr(old, "max_length", None) and (new.max_length or 0) < old.max_length:
                found.append(f"{where}: shortens the column")
        elif isinstance(op, ops.RunSQL):
            for sql in _forward_sql(op):
                if DESTRUCTIVE_SQL.search(sql):
                    found.append(f"{where}: SQL drops or renames: {sql[:80]!r}")
    return found


def test_every_migration_is_safe_while_old_processes_serve():
    loader, migrations = typodesk_migrations()
    assert migrations, "no typodesk migrations found"
    problems = []
    for key, migration in migrations:
        if migration.initial or key in BEFORE_THE_RULE:
            continue
        problems += problems_of(loader, key, migration)
    assert not problems, "unsafe while old processes serve (docs/operations.md, Migrations):\n" + "\n".join(
        problems
    )


def test_the_check_catches_each_kind_of_unsafe_operation():
    """The rules above, on a made-up migration of a real model: each unsafe operation is named."""
    from django.db import migrations, models

    loader, found = typodesk_migrations()
    key = max(k for k, _ in found if k[0] == "findings")
    fake = migrations.Migration("9999_unsafe", "findings")
    fake.operations = [
        migrations.RemoveField("report", "comment"),
        migrations.DeleteModel("statuschange"),
        migrations.RenameField("report", "suggestion", "proposal"),
        migrations.RenameModel("page", "webpage"),
        migrations.AlterModelTable("report", "findings_reports"),
        migrations.AddField("report", "score", models.IntegerField(default=0)),
        migrations.AddField("finding", "spell_checked_at", models.DateTimeField()),
        migrations.AlterField("finding", "spell_checked_at", models.DateTimeField()),
        migrations.AlterField("report", "title", models.CharField(max_length=20, blank=True)),
        migrations.RunSQL("ALTER TABLE findings_report DROP COLUMN comment"),
        # Safe: nullable, or with a database default, a new table, a longer column.
        migrations.AddField("report", "source", models.CharField(max_length=20, null=True)),
        migrations.AddField("report", "weight", models.IntegerField(db_default=1)),
        migrations.AlterField("report", "title", models.CharField(max_length=900, blank=True)),
        migrations.CreateModel("Extra", [("id", models.BigAutoField(primary_key=True))]),
        migrations.RunSQL("CREATE INDEX x ON findings_report (created)", "DROP INDEX x"),
    ]
    fake.dependencies = [key]
    loader.disk_migrations[("findings", "9999_unsafe")] = fake
    loader.graph.add_node(("findings", "9999_unsafe"), fake)
    loader.graph.add_dependency(fake, ("findings", "9999_unsafe"), key)
    problems = problems_of(loader, ("findings", "9999_unsafe"), fake)
    flagged = [p.split(": ", 2)[1] for p in problems]
    assert len(problems) == 10, "\n".join(problems)
    assert flagged[0].startswith("Remove field comment")
    assert any("NOT NULL column without db_default" in p and "score" in p for p in problems)
    assert any("makes a column NOT NULL" in p for p in problems)
    assert any("shortens the column" in p for p in problems)
    assert not any("source" in p or "weight" in p or "Extra" in p or "CREATE INDEX" in p for p in problems)
