"""Match and roster operations (issue 16): cancellation, forfeits, check-in, best-of-N series.

The new ``no_show`` status changes ``registration_status_valid``; on SQLite that rebuilds
``tournaments_registration`` and drops the database-only listing index of 0002 (as 0003
did, see 0004), so the last operation re-creates it there. PostgreSQL keeps it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "idx_registration_tournament_status"


def recreate_listing_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON tournaments_registration (tournament_id, status)")


class Migration(migrations.Migration):
    dependencies = [
        ("economy", "0003_prize_pools"),
        ("teams", "0002_invites"),
        ("tournaments", "0006_prize_pool"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="registration",
            name="registration_status_valid",
        ),
        migrations.AddField(
            model_name="match",
            name="forfeited_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="teams.team"
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="checked_in_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="resultreport",
            name="games",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="tournament",
            name="best_of",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="tournament",
            name="cancel_reason",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.AddField(
            model_name="tournament",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tournament",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="tournament",
            name="check_in_closes_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tournament",
            name="check_in_opens_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tournament",
            name="no_show_refund",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="tournament",
            name="round_best_of",
            field=models.JSONField(blank=True, default=dict),
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
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["pending", "confirmed", "waitlisted", "withdrawn", "rejected", "no_show"])
                ),
                name="registration_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="tournament",
            constraint=models.CheckConstraint(
                condition=models.Q(("best_of__in", [1, 3, 5, 7])), name="tournament_best_of_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="tournament",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("check_in_closes_at__isnull", True), ("check_in_opens_at__isnull", True)),
                    ("check_in_closes_at__gt", models.F("check_in_opens_at")),
                    _connector="OR",
                ),
                name="tournament_check_in_window_ordered",
            ),
        ),
        migrations.RunPython(recreate_listing_index, migrations.RunPython.noop, elidable=False),
    ]
