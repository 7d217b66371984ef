"""The project's URLs plus the finalize route, until the lead wires it into tournaments/urls."""

from django.urls import path

from config.serializers import register_id_converter
from config.urls import urlpatterns as project_urlpatterns
from tournaments.finalization_apis import TournamentFinalizeApi

register_id_converter()

urlpatterns = [
    path("api/tournaments/<id:tournament_id>/finalize/", TournamentFinalizeApi.as_view(), name="tournament-finalize"),
    *project_urlpatterns,
]
