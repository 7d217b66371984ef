"""Routes of tournaments and registrations (mounted under /api/)."""

from django.urls import path

from tournaments.apis import (
    RegistrationCreateApi,
    RegistrationListApi,
    RegistrationWithdrawApi,
    TournamentCloseApi,
    TournamentCreateApi,
    TournamentDetailApi,
    TournamentOpenApi,
)
from tournaments.finalization_apis import TournamentFinalizeApi

urlpatterns = [
    path("tournaments/", TournamentCreateApi.as_view(), name="tournament-list-create"),
    path("tournaments/register/", RegistrationCreateApi.as_view(), name="registration-create"),
    path("tournaments/<id:tournament_id>/", TournamentDetailApi.as_view(), name="tournament-detail"),
    path("tournaments/<id:tournament_id>/open/", TournamentOpenApi.as_view(), name="tournament-open"),
    path("tournaments/<id:tournament_id>/close/", TournamentCloseApi.as_view(), name="tournament-close"),
    path("tournaments/<id:tournament_id>/finalize/", TournamentFinalizeApi.as_view(), name="tournament-finalize"),
    path(
        "tournaments/<id:tournament_id>/registrations/",
        RegistrationListApi.as_view(),
        name="tournament-registration-list",
    ),
    path(
        "registrations/<id:registration_id>/withdraw/", RegistrationWithdrawApi.as_view(), name="registration-withdraw"
    ),
]
