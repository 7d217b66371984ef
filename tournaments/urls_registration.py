"""Routes of tournaments and registrations (mounted under /api/)."""

from django.urls import path

from config.serializers import register_id_converter
from tournaments.apis import (
    RegistrationCreateApi,
    RegistrationListApi,
    RegistrationWithdrawApi,
    TournamentCloseApi,
    TournamentCreateApi,
    TournamentDetailApi,
    TournamentOpenApi,
)

register_id_converter()

urlpatterns = [
    path("tournaments/", TournamentCreateApi.as_view(), name="tournament-list-create"),
    path("tournaments/register/", RegistrationCreateApi.as_view(), name="registration-create"),
    path("tournaments/<id:tournament_id>/", TournamentDetailApi.as_view(), name="tournament-detail"),
    path("tournaments/<id:tournament_id>/open/", TournamentOpenApi.as_view(), name="tournament-open"),
    path("tournaments/<id:tournament_id>/close/", TournamentCloseApi.as_view(), name="tournament-close"),
    path(
        "tournaments/<id:tournament_id>/registrations/",
        RegistrationListApi.as_view(),
        name="tournament-registration-list",
    ),
    path(
        "registrations/<id:registration_id>/withdraw/", RegistrationWithdrawApi.as_view(), name="registration-withdraw"
    ),
]
