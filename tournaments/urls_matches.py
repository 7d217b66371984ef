"""Match routes (included by tournaments/urls.py under /api/)."""

from django.urls import path

from tournaments.match_apis import (
    MatchDetailApi,
    MatchResolveApi,
    MatchResultSubmitApi,
    TournamentMatchListApi,
    TournamentStartApi,
)

urlpatterns = [
    path("tournaments/<id:tournament_id>/start/", TournamentStartApi.as_view(), name="tournament-start"),
    path("tournaments/<id:tournament_id>/matches/", TournamentMatchListApi.as_view(), name="tournament-match-list"),
    path("matches/<id:match_id>/", MatchDetailApi.as_view(), name="match-detail"),
    path("matches/<id:match_id>/result/", MatchResultSubmitApi.as_view(), name="match-result-submit"),
    path("matches/<id:match_id>/resolve/", MatchResolveApi.as_view(), name="match-resolve"),
]
