"""The spell checker's reason beside its suggestion ("repeated word", "than after a comparative").

Additive and nullable, so that processes of the previous version keep inserting findings while
the upgrade runs (tests/deploy/test_migration_safety.py), and so that SQLite adds the column in
place: a NOT NULL column would make Django rebuild the table, which breaks the triggers of 0005.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0007_verification_uncertain"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="spell_reason",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
    ]
