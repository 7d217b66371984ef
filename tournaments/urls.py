"""API routes of the tournaments app (mounted under /api/): tournaments, registrations, matches."""

from django.urls import path

from tournaments.apis.audit import TournamentAuditListApi
from tournaments.apis.finalization import TournamentFinalizeApi
from tournaments.apis.matches import (
    MatchDetailApi,
    MatchForfeitApi,
    MatchOverrideApi,
    MatchResetApi,
    MatchResolveApi,
    MatchResultSubmitApi,
    MatchSubstitutionApi,
    TeamDisqualifyApi,
    TournamentMatchListApi,
    TournamentStartApi,
)
from tournaments.apis.prize_pools import PrizePoolFundApi
from tournaments.apis.registrations import (
    RegistrationCheckInApi,
    RegistrationCreateApi,
    RegistrationListApi,
    RegistrationRosterApi,
    RegistrationWithdrawApi,
)
from tournaments.apis.tournaments import (
    TournamentCancelApi,
    TournamentCloseApi,
    TournamentCreateApi,
    TournamentDetailApi,
    TournamentOpenApi,
    TournamentSeedingApi,
    TournamentStandingsApi,
)

urlpatterns = [
    # Tournaments and their status machine.
    path("tournaments/", TournamentCreateApi.as_view(), name="tournament-list-create"),
    path("tournaments/register/", RegistrationCreateApi.as_view(), name="registration-create"),
    path("tournaments/<id:tournament_id>/", TournamentDetailApi.as_view(), name="tournament-detail"),
    path("tournaments/<id:tournament_id>/standings/", TournamentStandingsApi.as_view(), name="tournament-standings"),
    path("tournaments/<id:tournament_id>/seeding/", TournamentSeedingApi.as_view(), name="tournament-seeding"),
    path("tournaments/<id:tournament_id>/open/", TournamentOpenApi.as_view(), name="tournament-open"),
    path("tournaments/<id:tournament_id>/close/", TournamentCloseApi.as_view(), name="tournament-close"),
    path("tournaments/<id:tournament_id>/start/", TournamentStartApi.as_view(), name="tournament-start"),
    path("tournaments/<id:tournament_id>/cancel/", TournamentCancelApi.as_view(), name="tournament-cancel"),
    path("tournaments/<id:tournament_id>/check-in/", RegistrationCheckInApi.as_view(), name="tournament-check-in"),
    path("tournaments/<id:tournament_id>/audit/", TournamentAuditListApi.as_view(), name="tournament-audit"),
    path("tournaments/<id:tournament_id>/disqualify/", TeamDisqualifyApi.as_view(), name="tournament-disqualify"),
    path("tournaments/<id:tournament_id>/finalize/", TournamentFinalizeApi.as_view(), name="tournament-finalize"),
    path("tournaments/<id:tournament_id>/prize-pool/", PrizePoolFundApi.as_view(), name="tournament-prize-pool-fund"),
    # Registrations.
    path(
        "tournaments/<id:tournament_id>/registrations/",
        RegistrationListApi.as_view(),
        name="tournament-registration-list",
    ),
    path(
        "registrations/<id:registration_id>/withdraw/", RegistrationWithdrawApi.as_view(), name="registration-withdraw"
    ),
    path("registrations/<id:registration_id>/roster/", RegistrationRosterApi.as_view(), name="registration-roster"),
    # Matches.
    path("tournaments/<id:tournament_id>/matches/", TournamentMatchListApi.as_view(), name="tournament-match-list"),
    path("matches/<id:match_id>/", MatchDetailApi.as_view(), name="match-detail"),
    path("matches/<id:match_id>/result/", MatchResultSubmitApi.as_view(), name="match-result-submit"),
    path("matches/<id:match_id>/resolve/", MatchResolveApi.as_view(), name="match-resolve"),
    path("matches/<id:match_id>/forfeit/", MatchForfeitApi.as_view(), name="match-forfeit"),
    path("matches/<id:match_id>/substitutions/", MatchSubstitutionApi.as_view(), name="match-substitution"),
    path("matches/<id:match_id>/override/", MatchOverrideApi.as_view(), name="match-override"),
    path("matches/<id:match_id>/reset/", MatchResetApi.as_view(), name="match-reset"),
]
