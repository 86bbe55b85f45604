from django.db import migrations, models


class Migration(migrations.Migration):
    """The editor's "still on the page" mail travels through the reader mails' outbox."""

    dependencies = [("notify", "0002_reader_mail")]

    operations = [
        migrations.AddField(
            model_name="readermail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("fixed", "Fixed (to a reader)"),
                    ("regressed", "Still on the page (to the editor who marked it fixed)"),
                ],
                db_default="fixed",
                default="fixed",
                max_length=10,
            ),
        ),
    ]
