"""``POST /api/tournaments/{id}/finalize/``: the organizer closes a finished tournament."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import RejectUnknownFieldsMixin
from tournaments.services.finalization import tournament_finalize


class TournamentFinalizeApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        """No fields: the body is empty or ``{}``; anything else is refused."""

    class OutputSerializer(serializers.Serializer):
        class PlacementSerializer(serializers.Serializer):
            team_id = serializers.IntegerField()
            placement = serializers.IntegerField()

        tournament_id = serializers.IntegerField()
        status = serializers.CharField()
        placements = PlacementSerializer(many=True)
        players_rewarded = serializers.IntegerField()
        xp_awarded = serializers.IntegerField()
        coins_awarded = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        result = tournament_finalize(tournament_id=tournament_id, actor=authenticated_user(request))
        placements = [{"team_id": team, "placement": place} for team, place in result.placements.items()]
        return Response(self.OutputSerializer(result.__dict__ | {"placements": placements}).data)
