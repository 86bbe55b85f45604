"""PostgreSQL: keep each finding's search vector once per INSERT statement, not once per report.

The report endpoint stores reports in groups, one INSERT for a group of a finding's reports
(findings.services.record_reports). The row trigger of 0006 ran its upsert of the finding's
vector once for every row; this statement trigger reads the statement's new rows (a transition
table) and runs one upsert per finding, with the words of all its new reports. The vectors end
the same. The trigger lives in the database, so processes of the previous version, which insert
one report at a time, keep the vectors right while the upgrade runs.
"""

from django.db import migrations

FORWARD = [
    """CREATE FUNCTION findings_finding_search_rows() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO findings_finding_search AS s (finding_id, vector)
         SELECT finding_id, findings_tsvector_union(strip(to_tsvector('simple'::regconfig,
                exact || ' ' || suggestion || ' ' || comment)))
         FROM new_reports GROUP BY finding_id
         ON CONFLICT (finding_id) DO UPDATE SET vector = strip(s.vector || EXCLUDED.vector)
         WHERE s.vector <> strip(s.vector || EXCLUDED.vector);
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER findings_finding_search_rows AFTER INSERT ON findings_report
       REFERENCING NEW TABLE AS new_reports FOR EACH STATEMENT
       EXECUTE FUNCTION findings_finding_search_rows()""",
    "DROP TRIGGER IF EXISTS findings_finding_search ON findings_report",
]
BACKWARD = [
    """CREATE TRIGGER findings_finding_search AFTER INSERT ON findings_report
       FOR EACH ROW EXECUTE FUNCTION findings_finding_search()""",
    "DROP TRIGGER IF EXISTS findings_finding_search_rows ON findings_report",
    "DROP FUNCTION IF EXISTS findings_finding_search_rows()",
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
    dependencies = [("findings", "0008_spell_reason")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
