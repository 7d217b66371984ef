"""Re-create ``idx_registration_tournament_status`` where 0003 silently dropped it.

On SQLite, 0003's AlterField rebuilds ``tournaments_registration`` (new table, copy,
rename) and re-creates only the indexes Django knows from the model state; the
database-only index of 0002 is not among them. Every SQLite database migrated
past 0003 therefore lists and counts registrations with a full table scan (the
organizer listing took 15 ms at 100 000 rows instead of 4 ms at 100). PostgreSQL
alters the column in place and keeps the index, so this is a no-op there
(``IF NOT EXISTS``).
"""

from django.db import migrations

INDEX = "idx_registration_tournament_status"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON tournaments_registration (tournament_id, status)")


class Migration(migrations.Migration):
    dependencies = [("tournaments", "0003_registration_drop_tournament_fk_index")]

    # Backwards: 0002's reversal drops the index; nothing to undo here.
    operations = [migrations.RunPython(create_index, migrations.RunPython.noop, elidable=False)]
