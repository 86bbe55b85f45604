# The model moves from the notify app; its table stays (notify_workerbeat): only Django's idea of
# which app owns it changes, so nothing runs on the database.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("notify", "0002_reader_mail"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerBeat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("worker_id", models.CharField(max_length=100, unique=True)),
                        ("started", models.DateTimeField()),
                        ("last_seen", models.DateTimeField()),
                    ],
                    options={"db_table": "notify_workerbeat"},
                ),
            ],
            database_operations=[],
        ),
    ]
