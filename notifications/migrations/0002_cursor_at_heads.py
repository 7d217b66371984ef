"""The notifications consumer starts at every existing stream's head: deploying it emails
nobody about what happened before it existed. Streams started later are read from their start."""

from django.db import migrations


def cursor_at_heads(apps, schema_editor):
    EventSequence = apps.get_model("realtime", "EventSequence")
    EventCursor = apps.get_model("realtime", "EventCursor")
    EventCursor.objects.bulk_create(
        [
            EventCursor(consumer="notifications", tournament_id=tournament_id, seq=last_seq)
            for tournament_id, last_seq in EventSequence.objects.values_list("tournament_id", "last_seq")
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("realtime", "0003_eventcursor"),
    ]

    operations = [migrations.RunPython(cursor_at_heads, migrations.RunPython.noop)]
