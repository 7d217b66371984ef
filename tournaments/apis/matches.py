"""Match endpoints: parse, call one service or selector, shape the output."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin
from core.errors import NotFound
from tournaments.errors import ErrorCode
from tournaments.policies import tournament_view_check
from tournaments.selectors.matches import match_get, match_list
from tournaments.selectors.tournaments import tournament_get
from tournaments.series import BEST_OF_CHOICES
from tournaments.services.lineups import match_substitute
from tournaments.services.matches import (
    Outcome,
    match_forfeit,
    match_resolve,
    match_result_submit,
    team_disqualify,
    tournament_start,
)
from tournaments.services.overrides import match_override, match_reset

# Far above any game's score, far below the column's 32-bit limit: a bigger number is a
# client bug, refused with a 400 rather than an overflow.
MAX_SCORE = 1_000_000


class ScoreField(serializers.IntegerField):
    """A JSON integer from 0 to MAX_SCORE; ``"3"``, ``3.0`` and ``true`` are refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_SCORE, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ScoresInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    score_a = ScoreField()
    score_b = ScoreField()


class GameInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    score_a = ScoreField()
    score_b = ScoreField()


class ResultInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A single game's scores, or the games of a best-of-N series (the series score is derived)."""

    score_a = ScoreField(required=False)
    score_b = ScoreField(required=False)
    games = serializers.ListField(
        child=GameInputSerializer(), required=False, min_length=1, max_length=max(BEST_OF_CHOICES)
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        scores = {"score_a", "score_b"} & set(attrs)
        if "games" in attrs and scores:
            raise serializers.ValidationError({"games": ["Send games or scores, not both: a series score is derived."]})
        if "games" not in attrs and len(scores) != 2:
            raise serializers.ValidationError({"score_a": ["score_a and score_b, or games, are required."]})
        if "games" in attrs:
            attrs["games"] = [(game["score_a"], game["score_b"]) for game in attrs["games"]]
        return attrs


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tag = serializers.CharField()


class MatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tournament_id = serializers.IntegerField()
    round = serializers.IntegerField()
    position = serializers.IntegerField()
    group = serializers.IntegerField(allow_null=True, help_text="groups_playoffs: the group of a group-stage match.")
    bracket = serializers.CharField(
        help_text="double_elimination: winners, losers or grand_final (rounds count per bracket); blank elsewhere."
    )
    status = serializers.CharField()
    team_a = TeamRefSerializer(allow_null=True)
    team_b = TeamRefSerializer(allow_null=True)
    score_a = serializers.IntegerField(allow_null=True)
    score_b = serializers.IntegerField(allow_null=True)
    winner_id = serializers.IntegerField(allow_null=True)
    forfeited_by_id = serializers.IntegerField(allow_null=True, help_text="The team that forfeited (a walkover).")
    next_match_id = serializers.IntegerField(allow_null=True)
    next_slot = serializers.CharField()
    loser_next_match_id = serializers.IntegerField(
        allow_null=True, help_text="double_elimination: where the loser drops (null: the loser is out)."
    )
    loser_next_slot = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReportOutputSerializer(serializers.Serializer):
    side = serializers.CharField()
    reported_by_id = serializers.IntegerField()
    score_a = serializers.IntegerField()
    score_b = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class TournamentStartApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        pass

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()
        matches = MatchOutputSerializer(many=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        tournament = tournament_start(tournament_id=tournament_id, actor=authenticated_user(request))
        matches = match_list(tournament_id=tournament.pk)
        return Response(
            self.OutputSerializer({"id": tournament.pk, "status": tournament.status, "matches": matches}).data
        )


class MatchResultSubmitApi(APIView):
    class DisputedOutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        detail = serializers.CharField()
        match = MatchOutputSerializer()

    STATUS = {Outcome.AWAITING_CONFIRMATION: status.HTTP_201_CREATED, Outcome.DISPUTED: status.HTTP_409_CONFLICT}

    @extend_schema(
        request=ResultInputSerializer,
        responses={201: MatchOutputSerializer, 200: MatchOutputSerializer, 409: DisputedOutputSerializer},
    )
    def post(self, request: Request, match_id: int) -> Response:
        data = ResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = match_result_submit(match_id=match_id, actor=authenticated_user(request), **data.validated_data)
        body: dict[str, Any] = MatchOutputSerializer(submission.match).data
        if submission.outcome == Outcome.DISPUTED:
            # The dispute is stored (the report and the status), yet the reporter's
            # result was not accepted: a 409 with the error shape and the match.
            detail = "The other side reported a different result; an organizer will resolve it."
            body = {"code": "result_disputed", "detail": detail, "match": body}
        return Response(body, status=self.STATUS.get(submission.outcome, status.HTTP_200_OK))


class MatchResolveApi(APIView):
    @extend_schema(request=ScoresInputSerializer, responses={200: MatchOutputSerializer})
    def post(self, request: Request, match_id: int) -> Response:
        data = ScoresInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = match_resolve(match_id=match_id, actor=authenticated_user(request), **data.validated_data)
        return Response(MatchOutputSerializer(match).data)


class TournamentMatchListApi(APIView):
    """The bracket, for whoever may see the tournament (its detail's policy: 404 otherwise)."""

    @extend_schema(responses={200: MatchOutputSerializer(many=True)})
    def get(self, request: Request, tournament_id: int) -> Response:
        tournament_view_check(actor=authenticated_user(request), tournament=tournament_get(tournament_id=tournament_id))
        return Response(MatchOutputSerializer(match_list(tournament_id=tournament_id), many=True).data)


class MatchDetailApi(APIView):
    class OutputSerializer(MatchOutputSerializer):
        reports = ReportOutputSerializer(many=True, source="reports.all")

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, match_id: int) -> Response:
        match = match_get(match_id=match_id)
        try:
            tournament_view_check(actor=authenticated_user(request), tournament=match.tournament)
        except NotFound:
            raise NotFound("No such match.", code=ErrorCode.MATCH_NOT_FOUND) from None
        return Response(self.OutputSerializer(match).data)


class MatchForfeitApi(APIView):
    """A team forfeits; the other wins by walkover. A captain concedes for their own team
    (no body); whoever runs the tournament names the team (a no-show)."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        team_id = IdField(required=False)

    @extend_schema(request=InputSerializer, responses={200: MatchOutputSerializer})
    def post(self, request: Request, match_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = match_forfeit(match_id=match_id, actor=authenticated_user(request), **data.validated_data)
        return Response(MatchOutputSerializer(match).data)


class MatchSubstitutionApi(APIView):
    """A captain swaps a starter out and a substitute of the registered roster in, for this
    match only, until it is reported. Rewards and ratings go to who played."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        player_out = IdField()
        player_in = IdField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        match_id = serializers.IntegerField()
        team_id = serializers.IntegerField(source="registration.team_id")
        player_out = serializers.IntegerField(source="player_out_id")
        player_in = serializers.IntegerField(source="player_in_id")
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, match_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        substitution = match_substitute(match_id=match_id, actor=authenticated_user(request), **data.validated_data)
        return Response(self.OutputSerializer(substitution).data, status=status.HTTP_201_CREATED)


class MatchOverrideApi(APIView):
    """The organizer sets a match's final scores: corrects a confirmed result, or settles a
    stuck one. Downstream matches already reported block it (409 ``downstream_reported``)
    unless ``cascade`` resets them."""

    class InputSerializer(ScoresInputSerializer):
        reason = serializers.CharField(max_length=500)
        cascade = serializers.BooleanField(default=False)

    class OutputSerializer(serializers.Serializer):
        match = MatchOutputSerializer()
        reset_match_ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, match_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match, reset = match_override(match_id=match_id, actor=authenticated_user(request), **data.validated_data)
        return Response(self.OutputSerializer({"match": match, "reset_match_ids": reset}).data)


class MatchResetApi(APIView):
    """The organizer puts a match not yet confirmed back to ``scheduled`` (its reports deleted)."""

    @extend_schema(request=None, responses={200: MatchOutputSerializer})
    def post(self, request: Request, match_id: int) -> Response:
        return Response(MatchOutputSerializer(match_reset(match_id=match_id, actor=authenticated_user(request))).data)


class TeamDisqualifyApi(APIView):
    """Disqualify a team of a live tournament: every match it has not finished is forfeited."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        team_id = IdField()
        reason = serializers.CharField(max_length=500)

    class OutputSerializer(serializers.Serializer):
        registration_id = serializers.IntegerField(source="registration.pk")
        team_id = serializers.IntegerField(source="registration.team_id")
        status = serializers.CharField(source="registration.status")
        forfeited_match_ids = serializers.ListField(child=serializers.IntegerField())
        waiting_match_id = serializers.IntegerField(
            allow_null=True, help_text="A walkover waiting for the opponent, settled when it arrives."
        )

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = team_disqualify(actor=authenticated_user(request), tournament_id=tournament_id, **data.validated_data)
        return Response(self.OutputSerializer(outcome).data)
