# WorkerBeat now belongs to the heartbeat app (typodesk.heartbeat), which keeps its table: the
# model leaves notify's state only, and nothing runs on the database (old processes still
# serving during an upgrade keep using the same table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_reader_mail"),
        ("heartbeat", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WorkerBeat")],
            database_operations=[],
        ),
    ]
