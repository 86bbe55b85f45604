"""The desk's inbox at scale (docs/desk.md): its sort and filter indexes, the copies of the page's
language and of "a reader suggested a correction" on each finding, and full-text search over the
readers' reports (quote, suggestion, comment).

The copies and the search index are kept by database triggers, not by Python code, so every
ingestion path (the report API, a lean bulk path, imports) maintains them at the cost of a few
index writes per report. SQLite: an FTS5 table with the reports table as external content;
PostgreSQL: a GIN index on the reports' text search vector.
"""

from django.db import migrations, models

SQLITE_FORWARD = [
    # The language of a finding is its page's: copied when the finding is created and when the
    # page's language changes.
    """CREATE TRIGGER findings_finding_lang AFTER INSERT ON findings_finding WHEN NEW.lang = '' BEGIN
         UPDATE findings_finding SET lang = (SELECT lang FROM findings_page WHERE id = NEW.page_id)
         WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER findings_page_lang AFTER UPDATE OF lang ON findings_page BEGIN
         UPDATE findings_finding SET lang = NEW.lang WHERE page_id = NEW.id AND lang <> NEW.lang;
       END""",
    """CREATE TRIGGER findings_report_suggestion AFTER INSERT ON findings_report
       WHEN NEW.suggestion <> '' BEGIN
         UPDATE findings_finding SET has_suggestion = 1 WHERE id = NEW.finding_id AND has_suggestion = 0;
       END""",
    """CREATE VIRTUAL TABLE findings_report_fts USING fts5(
         exact, suggestion, comment, content='findings_report', content_rowid='id',
         tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER findings_report_fts_insert AFTER INSERT ON findings_report BEGIN
         INSERT INTO findings_report_fts(rowid, exact, suggestion, comment)
         VALUES (NEW.id, NEW.exact, NEW.suggestion, NEW.comment);
       END""",
    """CREATE TRIGGER findings_report_fts_delete AFTER DELETE ON findings_report BEGIN
         INSERT INTO findings_report_fts(findings_report_fts, rowid, exact, suggestion, comment)
         VALUES ('delete', OLD.id, OLD.exact, OLD.suggestion, OLD.comment);
       END""",
    """CREATE TRIGGER findings_report_fts_update AFTER UPDATE OF exact, suggestion, comment
       ON findings_report BEGIN
         INSERT INTO findings_report_fts(findings_report_fts, rowid, exact, suggestion, comment)
         VALUES ('delete', OLD.id, OLD.exact, OLD.suggestion, OLD.comment);
         INSERT INTO findings_report_fts(rowid, exact, suggestion, comment)
         VALUES (NEW.id, NEW.exact, NEW.suggestion, NEW.comment);
       END""",
    "INSERT INTO findings_report_fts(findings_report_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS findings_report_fts_update",
    "DROP TRIGGER IF EXISTS findings_report_fts_delete",
    "DROP TRIGGER IF EXISTS findings_report_fts_insert",
    "DROP TABLE IF EXISTS findings_report_fts",
    "DROP TRIGGER IF EXISTS findings_report_suggestion",
    "DROP TRIGGER IF EXISTS findings_page_lang",
    "DROP TRIGGER IF EXISTS findings_finding_lang",
]
# The search vector of a report; desk.inbox queries the same expression, so the index answers.
PG_VECTOR = "to_tsvector('simple'::regconfig, exact || ' ' || suggestion || ' ' || comment)"
POSTGRES_FORWARD = [
    """CREATE FUNCTION findings_finding_lang() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.lang = '' THEN
           NEW.lang := COALESCE((SELECT lang FROM findings_page WHERE id = NEW.page_id), '');
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER findings_finding_lang BEFORE INSERT ON findings_finding
       FOR EACH ROW EXECUTE FUNCTION findings_finding_lang()""",
    """CREATE FUNCTION findings_page_lang() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE findings_finding SET lang = NEW.lang WHERE page_id = NEW.id AND lang <> NEW.lang;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER findings_page_lang AFTER UPDATE OF lang ON findings_page
       FOR EACH ROW WHEN (OLD.lang IS DISTINCT FROM NEW.lang) EXECUTE FUNCTION findings_page_lang()""",
    """CREATE FUNCTION findings_report_suggestion() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE findings_finding SET has_suggestion = true WHERE id = NEW.finding_id AND NOT has_suggestion;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER findings_report_suggestion AFTER INSERT ON findings_report
       FOR EACH ROW WHEN (NEW.suggestion <> '') EXECUTE FUNCTION findings_report_suggestion()""",
    f"CREATE INDEX findings_report_search ON findings_report USING gin ({PG_VECTOR})",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS findings_report_search",
    "DROP TRIGGER IF EXISTS findings_report_suggestion ON findings_report",
    "DROP FUNCTION IF EXISTS findings_report_suggestion()",
    "DROP TRIGGER IF EXISTS findings_page_lang ON findings_page",
    "DROP FUNCTION IF EXISTS findings_page_lang()",
    "DROP TRIGGER IF EXISTS findings_finding_lang ON findings_finding",
    "DROP FUNCTION IF EXISTS findings_finding_lang()",
]


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # The copies, for findings that existed before.
    schema_editor.execute(
        "UPDATE findings_finding SET lang = (SELECT lang FROM findings_page WHERE findings_page.id = page_id)"
    )
    schema_editor.execute(
        "UPDATE findings_finding SET has_suggestion = %s WHERE id IN "
        "(SELECT finding_id FROM findings_report WHERE suggestion <> '')",
        [True],
    )
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0004_report_email"),
        ("typodesk_sites", "0003_site_allow_reader_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="has_suggestion",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="finding",
            name="lang",
            field=models.CharField(blank=True, editable=False, max_length=35),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["site", "status", "-report_count", "-last_reported", "-id"], name="finding_desk_order"
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["site", "lang", "status", "-report_count", "-last_reported", "-id"],
                name="finding_desk_lang",
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                condition=models.Q(("has_suggestion", True)),
                fields=["site", "status", "-report_count", "-last_reported", "-id"],
                name="finding_desk_suggested",
            ),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
