from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import OrganizerReadOnlyAdmin, OrganizerReadOnlyInline
from core.errors import DomainError
from tournaments import services
from tournaments.models import (
    AuditEntry,
    Match,
    PlayerSkill,
    Registration,
    ResultReport,
    RosterEntry,
    Season,
    Tournament,
    TournamentBadge,
    TournamentParticipation,
)


def _apply(request: HttpRequest, queryset: QuerySet, service, verb: str) -> None:
    """Run one service per selected row; a refused row is reported, the others still go."""
    done = 0
    for tournament_id in queryset.values_list("pk", flat=True):
        try:
            service(actor=request.user, tournament_id=tournament_id)
        except DomainError as exc:
            messages.error(request, f"Tournament {tournament_id}: {exc.detail}")
        else:
            done += 1
    if done:
        messages.success(request, f"{verb} {done} tournament(s).")


@admin.action(description="Open registration")
def open_registration(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    _apply(request, queryset, services.tournament_open, "Opened")


@admin.action(description="Close registration")
def close_registration(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    _apply(request, queryset, services.tournament_close, "Closed")


@admin.register(Season)
class SeasonAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "name", "created_at"]


@admin.register(Tournament)
class TournamentAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "name", "game", "status", "max_teams", "team_size", "entry_fee", "organizer", "created_at"]
    list_select_related = ["organizer"]
    list_filter = ["status", "game"]
    search_fields = ["name", "game"]
    actions = [open_registration, close_registration]


class RosterInline(OrganizerReadOnlyInline):
    model = RosterEntry
    fields = ["user", "active"]


@admin.register(Registration)
class RegistrationAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "tournament", "team", "status", "registered_by", "created_at"]
    list_select_related = ["tournament", "team", "registered_by"]
    list_filter = ["status"]
    search_fields = ["tournament__name", "team__name", "team__tag"]
    inlines = [RosterInline]


class ResultReportInline(OrganizerReadOnlyInline):
    model = ResultReport
    fields = ["side", "reported_by", "score_a", "score_b", "created_at"]


@admin.register(Match)
class MatchAdmin(OrganizerReadOnlyAdmin):
    list_display = [
        "id",
        "tournament",
        "round",
        "position",
        "team_a",
        "team_b",
        "status",
        "score_a",
        "score_b",
        "winner",
    ]
    list_select_related = ["tournament", "team_a", "team_b", "winner"]
    list_filter = ["status"]
    search_fields = ["tournament__name"]
    inlines = [ResultReportInline]


@admin.register(PlayerSkill)
class PlayerSkillAdmin(OrganizerReadOnlyAdmin):
    list_display = ["user", "rating", "xp", "tournaments_played", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


@admin.register(TournamentParticipation)
class TournamentParticipationAdmin(OrganizerReadOnlyAdmin):
    list_display = ["tournament", "user", "team", "placement", "xp_awarded", "coins_awarded", "rating_after"]
    list_select_related = ["tournament", "user", "team"]


@admin.register(TournamentBadge)
class TournamentBadgeAdmin(OrganizerReadOnlyAdmin):
    list_display = ["tournament", "user", "badge_type", "awarded_at"]
    list_select_related = ["tournament", "user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(OrganizerReadOnlyAdmin):
    list_display = ["created_at", "tournament", "action", "actor", "match", "reason"]
    list_select_related = ["tournament", "actor", "match"]
    list_filter = ["action"]
    search_fields = ["tournament__name", "actor__username"]
