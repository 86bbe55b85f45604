"""Domains wait for their owner's proof of control before they count (docs/people.md, Domains).

Additive: four new columns, each nullable or with a database default, so that processes of the
previous version keep working during the upgrade. The data step makes every domain that already
exists verified: they were set up before verification existed, and turning them off would stop
the reports of every running site.
"""

from django.db import migrations, models
from django.utils import timezone


def verify_existing(apps, schema_editor):
    Domain = apps.get_model("typodesk_sites", "Domain")
    Domain.objects.filter(verified_at__isnull=True).update(verified_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("typodesk_sites", "0004_site_settings_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="domain",
            name="verified_at",
            field=models.DateTimeField(blank=True, default=timezone.now, null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="token",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="domain",
            name="checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="check_result",
            field=models.CharField(blank=True, db_default="", default="", max_length=500),
        ),
        migrations.RunPython(verify_existing, migrations.RunPython.noop),
    ]
