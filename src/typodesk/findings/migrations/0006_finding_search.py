"""PostgreSQL: search the desk's inbox by finding, not by report (docs/desk.md).

Migration 0005 indexed each report's text search vector; a search for a common word then read
every matching report (tens of thousands of rows) to learn their findings. Here each finding gets
one stripped vector (the set of words of its quote, its readers' suggestions and comments) in
``findings_finding_search``, with a GIN index, kept by a trigger on new reports. The inbox can then
walk its order index and check each finding with one primary-key probe when a word is common, or
read the few matching findings from the GIN index when it is rare (the planner chooses from the
vectors' statistics). A report adds nothing when its words are already there, so a finding
reported again and again costs no write here. SQLite keeps its FTS5 index of reports (0005).
"""

from django.db import migrations

# Every finding's vector from its reports: the backfill here, and bench/seed.py after a bulk load.
BACKFILL = """
INSERT INTO findings_finding_search (finding_id, vector)
SELECT finding_id,
       findings_tsvector_union(strip(to_tsvector('simple'::regconfig, exact || ' ' || suggestion || ' ' || comment)))
FROM findings_report GROUP BY finding_id
ON CONFLICT (finding_id) DO UPDATE SET vector = EXCLUDED.vector
"""
FORWARD = [
    "DROP INDEX IF EXISTS findings_report_search",
    # No foreign key: Django empties its tables with TRUNCATE (tests), which a key from a table
    # Django does not know would refuse. Triggers below remove the rows of deleted findings.
    """CREATE TABLE findings_finding_search (
         finding_id bigint PRIMARY KEY,
         vector tsvector NOT NULL)""",
    "CREATE INDEX findings_finding_search_vector ON findings_finding_search USING gin (vector)",
    """CREATE FUNCTION findings_tsvector_add(a tsvector, b tsvector) RETURNS tsvector
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strip(COALESCE(a, ''::tsvector) || b) $$""",
    """CREATE AGGREGATE findings_tsvector_union (tsvector) (
         SFUNC = findings_tsvector_add, STYPE = tsvector, INITCOND = '')""",
    """CREATE FUNCTION findings_finding_search() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         words tsvector := strip(to_tsvector('simple'::regconfig,
                                 NEW.exact || ' ' || NEW.suggestion || ' ' || NEW.comment));
       BEGIN
         INSERT INTO findings_finding_search AS s (finding_id, vector) VALUES (NEW.finding_id, words)
         ON CONFLICT (finding_id) DO UPDATE SET vector = strip(s.vector || EXCLUDED.vector)
         WHERE s.vector <> strip(s.vector || EXCLUDED.vector);
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER findings_finding_search AFTER INSERT ON findings_report
       FOR EACH ROW EXECUTE FUNCTION findings_finding_search()""",
    """CREATE FUNCTION findings_finding_search_gone() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'TRUNCATE' THEN
           TRUNCATE findings_finding_search;
         ELSE
           DELETE FROM findings_finding_search WHERE finding_id = OLD.id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER findings_finding_search_delete AFTER DELETE ON findings_finding
       FOR EACH ROW EXECUTE FUNCTION findings_finding_search_gone()""",
    """CREATE TRIGGER findings_finding_search_truncate AFTER TRUNCATE ON findings_finding
       FOR EACH STATEMENT EXECUTE FUNCTION findings_finding_search_gone()""",
    BACKFILL,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS findings_finding_search_truncate ON findings_finding",
    "DROP TRIGGER IF EXISTS findings_finding_search_delete ON findings_finding",
    "DROP FUNCTION IF EXISTS findings_finding_search_gone()",
    "DROP TRIGGER IF EXISTS findings_finding_search ON findings_report",
    "DROP FUNCTION IF EXISTS findings_finding_search()",
    "DROP TABLE IF EXISTS findings_finding_search",
    "DROP AGGREGATE IF EXISTS findings_tsvector_union (tsvector)",
    "DROP FUNCTION IF EXISTS findings_tsvector_add(tsvector, tsvector)",
    "CREATE INDEX IF NOT EXISTS findings_report_search ON findings_report USING gin "
    "(to_tsvector('simple'::regconfig, exact || ' ' || suggestion || ' ' || comment))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("findings", "0005_desk_inbox")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
