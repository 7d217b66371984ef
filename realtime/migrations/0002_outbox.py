import secrets

import django.utils.timezone
from django.db import migrations, models

# SQLite has no data-modifying CTE, so its event INSERT cannot bump the counter in the
# same statement the way PostgreSQL's does (realtime/locks.py). This trigger does it
# inside the INSERT instead: the event still costs one statement, and SQLite's single
# writer orders the numbers. The epoch is drawn once, when the stream's row is created.
SQLITE_TRIGGER = """
CREATE TRIGGER realtime_eventrecord_sequence AFTER INSERT ON realtime_eventrecord
BEGIN
    INSERT INTO realtime_eventsequence (tournament_id, last_seq, epoch)
    VALUES (NEW.tournament_id, NEW.seq, lower(hex(randomblob(8))))
    ON CONFLICT (tournament_id) DO UPDATE SET last_seq = excluded.last_seq;
END
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)
    sequence = apps.get_model("realtime", "EventSequence")
    for row in sequence.objects.filter(epoch=""):
        sequence.objects.filter(pk=row.pk).update(epoch=secrets.token_hex(8))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS realtime_eventrecord_sequence")


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0001_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventrecord",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="eventsequence",
            name="epoch",
            field=models.CharField(default="", max_length=32),
        ),
        migrations.RunPython(forwards, backwards),
    ]
