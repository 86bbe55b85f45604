"""Sections count two levels of the URL path now (/news/sport/ apart from /news/): the counts are
built again from the findings. Forgetting the feeds makes the worker's next look rebuild them
(the overview says it is counting until then)."""

from django.db import migrations


def forget_feeds(apps, schema_editor):
    apps.get_model("overview", "Feed").objects.all().delete()
    apps.get_model("overview", "SectionCount").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("overview", "0001_initial")]

    operations = [migrations.RunPython(forget_feeds, forget_feeds)]
