"""The organizer listing's covering index, ``idx_registration_tournament_status``.

``(tournament_id, status) INCLUDE (team_id, created_at)`` answers
``WHERE tournament_id = %s AND status IN (...) ORDER BY created_at DESC`` from the
index. On PostgreSQL it is built with ``CREATE INDEX CONCURRENTLY`` so a live table
keeps taking registrations while it builds; that cannot run inside a transaction,
hence ``atomic = False``. Other databases get a plain index on the key columns.

It is database-only (not in ``Meta.indexes``) because Django caps index names
declared on models at 30 characters, and the name is part of the contract: the
EXPLAIN tests and the ops runbook look for it.
"""

from django.db import migrations

INDEX = "idx_registration_tournament_status"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
            "ON tournaments_registration (tournament_id, status) INCLUDE (team_id, created_at)"
        )
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON tournaments_registration (tournament_id, status)")


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tournaments", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
