"""The spell checker's reason beside its suggestion ("repeated word", "than after a comparative").

Additive, with a database default, so that processes of the previous version keep inserting
findings while the upgrade runs (tests/deploy/test_migration_safety.py).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0006_finding_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="spell_reason",
            field=models.CharField(blank=True, db_default="", default="", max_length=200),
        ),
    ]
