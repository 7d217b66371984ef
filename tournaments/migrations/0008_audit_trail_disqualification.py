"""The audit trail and disqualification (issue 16).

The new ``disqualified`` status changes ``registration_status_valid``; on SQLite that
rebuilds ``tournaments_registration`` and drops the database-only listing index of 0002
(as in 0007), so the last operation re-creates it there. PostgreSQL keeps it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

INDEX = "idx_registration_tournament_status"


def recreate_listing_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON tournaments_registration (tournament_id, status)")


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_invites"),
        ("tournaments", "0007_match_operations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("tournament.created", "Tournament created"),
                            ("tournament.opened", "Registration opened"),
                            ("tournament.closed", "Registration closed"),
                            ("tournament.started", "Tournament started"),
                            ("tournament.cancelled", "Tournament cancelled"),
                            ("tournament.finalized", "Tournament finalized"),
                            ("match.reported", "Result reported"),
                            ("match.confirmed", "Result confirmed"),
                            ("match.disputed", "Result disputed"),
                            ("match.resolved", "Dispute resolved"),
                            ("match.forfeited", "Match forfeited"),
                            ("match.overridden", "Result overridden"),
                            ("match.reset", "Match reset"),
                            ("team.disqualified", "Team disqualified"),
                        ],
                        max_length=32,
                    ),
                ),
                ("before", models.JSONField(blank=True, default=dict)),
                ("after", models.JSONField(blank=True, default=dict)),
                ("reason", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name_plural": "audit entries",
            },
        ),
        migrations.RemoveConstraint(
            model_name="registration",
            name="registration_status_valid",
        ),
        migrations.AlterField(
            model_name="registration",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("confirmed", "Confirmed"),
                    ("waitlisted", "Waitlisted"),
                    ("withdrawn", "Withdrawn"),
                    ("rejected", "Rejected"),
                    ("no_show", "No show"),
                    ("disqualified", "Disqualified"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["pending", "confirmed", "waitlisted", "withdrawn", "rejected", "no_show", "disqualified"],
                    )
                ),
                name="registration_status_valid",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="match",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tournaments.match",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="tournament",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tournaments.tournament"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["tournament", "-created_at", "-id"], name="audit_tournament_newest"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "tournament.created",
                            "tournament.opened",
                            "tournament.closed",
                            "tournament.started",
                            "tournament.cancelled",
                            "tournament.finalized",
                            "match.reported",
                            "match.confirmed",
                            "match.disputed",
                            "match.resolved",
                            "match.forfeited",
                            "match.overridden",
                            "match.reset",
                            "team.disqualified",
                        ],
                    )
                ),
                name="audit_action_valid",
            ),
        ),
        migrations.RunPython(recreate_listing_index, migrations.RunPython.noop, elidable=False),
    ]
