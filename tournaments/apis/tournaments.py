"""Tournament endpoints: create, list, detail, standings, open and close registration, cancel."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin, StrictIntegerField
from core.roles import is_moderator
from tournaments import formats
from tournaments.models import Tournament
from tournaments.policies import tournament_view_check
from tournaments.selectors.standings import tournament_standings
from tournaments.selectors.tournaments import tournament_get, tournament_list, tournaments_by_id
from tournaments.series import BEST_OF_CHOICES
from tournaments.services.cancellation import tournament_cancel
from tournaments.services.seeding import tournament_seeding_set
from tournaments.services.status import tournament_close, tournament_create, tournament_open


class TournamentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    game = serializers.CharField()
    season_id = serializers.IntegerField(allow_null=True)
    organizer_id = serializers.IntegerField()
    status = serializers.CharField()
    visibility = serializers.CharField()
    max_teams = serializers.IntegerField()
    team_size = serializers.IntegerField()
    max_substitutes = serializers.IntegerField()
    format = serializers.CharField()
    round_robin_legs = serializers.IntegerField()
    grand_final_reset = serializers.BooleanField()
    swiss_rounds = serializers.IntegerField(allow_null=True)
    group_count = serializers.IntegerField()
    group_advancers = serializers.IntegerField()
    tiebreakers = serializers.ListField(child=serializers.CharField())
    seeding = serializers.CharField()
    seeding_seed = serializers.IntegerField(allow_null=True)
    manual_seeds = serializers.ListField(child=serializers.IntegerField())
    registration_opens_at = serializers.DateTimeField(allow_null=True)
    registration_closes_at = serializers.DateTimeField(allow_null=True)
    entry_fee = serializers.IntegerField()
    best_of = serializers.IntegerField()
    round_best_of = serializers.DictField(child=serializers.IntegerField())
    check_in_opens_at = serializers.DateTimeField(allow_null=True)
    check_in_closes_at = serializers.DateTimeField(allow_null=True)
    no_show_refund = serializers.BooleanField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class TournamentCreateApi(APIView):
    pagination_class = PageNumberPagination  # GET; also tells the OpenAPI schema the list is paginated

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        name = serializers.CharField(max_length=200)
        game = serializers.CharField(max_length=100)
        max_teams = StrictIntegerField(min_value=2, max_value=4096)
        team_size = StrictIntegerField(min_value=1, max_value=100)
        max_substitutes = StrictIntegerField(
            required=False, min_value=0, max_value=100, help_text="Substitutes a registration may name (default 0)."
        )
        format = serializers.ChoiceField(
            choices=Tournament.Format.choices,
            required=False,
            help_text="single_elimination (default): a bracket, byes for the top seeds. double_elimination: "
            "a winners bracket whose losers drop to a losers bracket, out on a second loss; the two champions "
            "meet in the grand final (grand_final_reset: a second one when the losers bracket's champion wins "
            "the first). round_robin: everyone "
            "meets everyone (round_robin_legs times), draws allowed, ranked by tiebreakers. swiss: swiss_rounds "
            "rounds, each paired by score when the last one ends, no rematch, a bye (a win) for an odd count. "
            "groups_playoffs: group_count round-robin groups (snake by seed), then the best group_advancers of "
            "each in a single-elimination playoff, group winners against other groups' last advancers.",
        )
        round_robin_legs = serializers.ChoiceField(
            choices=[1, 2], required=False, help_text="round_robin only: 1 (single) or 2 (double, sides swapped)."
        )
        grand_final_reset = serializers.BooleanField(
            required=False,
            help_text="double_elimination only (default true): a second grand final when the losers bracket's "
            "champion wins the first, so the winners bracket's champion is out on two losses too.",
        )
        swiss_rounds = StrictIntegerField(
            required=False, min_value=1, max_value=64, help_text="swiss only; default ⌈log2 teams⌉, set at the start."
        )
        group_count = StrictIntegerField(
            required=False, min_value=2, max_value=64, help_text="groups_playoffs only: how many groups (default 2)."
        )
        group_advancers = StrictIntegerField(
            required=False,
            min_value=1,
            max_value=64,
            help_text="groups_playoffs only: the best of each group who play the playoff (default 2).",
        )
        tiebreakers = serializers.ListField(
            child=serializers.ChoiceField(choices=formats.TIEBREAKERS),
            required=False,
            max_length=len(formats.TIEBREAKERS),
            help_text="Standings order, first decides first (default: points, head_to_head, game_differential, "
            "games_won, seed; Swiss: points, buchholz, sonneborn_berger, game_differential, games_won, seed). "
            "Points: 3 a win or a bye, 1 a draw. buchholz and sonneborn_berger rank Swiss only.",
        )
        seeding = serializers.ChoiceField(
            choices=Tournament.Seeding.choices,
            required=False,
            help_text="registration_order (default), random (drawn with seeding_seed, stored), rating (mean "
            "starter rating), manual (PUT /api/tournaments/{id}/seeding/).",
        )
        seeding_seed = StrictIntegerField(
            required=False, min_value=0, max_value=2**63 - 1, help_text="random only: replay a draw."
        )
        season_id = IdField(required=False, allow_null=True)
        registration_opens_at = serializers.DateTimeField(required=False, allow_null=True)
        registration_closes_at = serializers.DateTimeField(required=False, allow_null=True)
        entry_fee = StrictIntegerField(required=False, min_value=0, max_value=10**12)
        visibility = serializers.ChoiceField(choices=Tournament.Visibility.choices, required=False)
        best_of = serializers.ChoiceField(choices=BEST_OF_CHOICES, required=False)
        round_best_of = serializers.DictField(
            child=serializers.ChoiceField(choices=BEST_OF_CHOICES),
            required=False,
            help_text='Series length by round number ("1", "2", ...) or "final", overriding best_of.',
        )
        check_in_opens_at = serializers.DateTimeField(required=False, allow_null=True)
        check_in_closes_at = serializers.DateTimeField(required=False, allow_null=True)
        no_show_refund = serializers.BooleanField(
            required=False, help_text="A no-show's entry fee comes back (true) or stays in the prize pool (false)."
        )

    @extend_schema(request=InputSerializer, responses={201: TournamentOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tournament = tournament_create(organizer=authenticated_user(request), **data.validated_data)
        return Response(TournamentOutputSerializer(tournament).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: TournamentOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        # GET /api/tournaments/ shares the URL of the create operation.
        paginator = self.pagination_class()
        viewer = authenticated_user(request)
        tournaments = tournament_list(viewer_id=viewer.pk, moderator=is_moderator(viewer))
        page = paginator.paginate_queryset(tournaments.values_list("pk", flat=True), request, view=self)
        rows = tournaments_by_id(ids=list(page or ()))
        return paginator.get_paginated_response(TournamentOutputSerializer(rows, many=True).data)


class TournamentDetailApi(APIView):
    @extend_schema(responses={200: TournamentOutputSerializer})
    def get(self, request: Request, tournament_id: int) -> Response:
        tournament = tournament_get(tournament_id=tournament_id)
        tournament_view_check(actor=authenticated_user(request), tournament=tournament)
        return Response(TournamentOutputSerializer(tournament).data)


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """An int where the value is whole, else a float (Sonneborn-Berger counts half a draw)."""

    def to_representation(self, value: float) -> int | float:
        return int(value) if float(value).is_integer() else float(value)


class TournamentStandingsApi(APIView):
    """The table: every confirmed team best first, with its record and the tiebreak values that
    decided its rank (round robin), or its placement as far as the bracket decided it (elimination)."""

    class OutputSerializer(serializers.Serializer):
        class TeamSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()
            tag = serializers.CharField()

        rank = serializers.IntegerField(allow_null=True, help_text="Null: an elimination team still playing.")
        team = TeamSerializer()
        played = serializers.IntegerField(source="standing.played")
        wins = serializers.IntegerField(source="standing.wins")
        draws = serializers.IntegerField(source="standing.draws")
        losses = serializers.IntegerField(source="standing.losses")
        points = serializers.IntegerField(source="standing.points")
        game_differential = serializers.IntegerField(source="standing.game_differential")
        games_won = serializers.IntegerField(source="standing.games_won")
        seed = serializers.IntegerField(source="standing.seed")
        group = serializers.IntegerField(allow_null=True, help_text="groups_playoffs: the team's group (1, 2, ...).")
        group_rank = serializers.IntegerField(allow_null=True, help_text="groups_playoffs: its place in the group.")
        buchholz = NumberField(source="standing.buchholz", allow_null=True, help_text="Swiss: opponents' points.")
        sonneborn_berger = NumberField(
            source="standing.sonneborn_berger",
            allow_null=True,
            help_text="Swiss: points of the opponents beaten, plus half of those drawn with.",
        )
        tiebreaks = serializers.DictField(
            child=NumberField(), source="standing.tiebreaks", help_text="The value of each tiebreaker it was ranked by."
        )

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request, tournament_id: int) -> Response:
        tournament = tournament_get(tournament_id=tournament_id)
        tournament_view_check(actor=authenticated_user(request), tournament=tournament)
        return Response(self.OutputSerializer(tournament_standings(tournament=tournament), many=True).data)


class TournamentSeedingApi(APIView):
    """The organizer orders the teams before the start (seed 1 first); seeding becomes manual."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        team_ids = serializers.ListField(child=IdField(), min_length=1, max_length=4096)

        def validate_team_ids(self, value: list[int]) -> list[int]:
            if len(value) != len(set(value)):
                raise serializers.ValidationError("A team is named twice.")
            return value

    @extend_schema(request=InputSerializer, responses={200: TournamentOutputSerializer})
    def put(self, request: Request, tournament_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tournament = tournament_seeding_set(
            actor=authenticated_user(request), tournament_id=tournament_id, **data.validated_data
        )
        return Response(TournamentOutputSerializer(tournament).data)


class TournamentOpenApi(APIView):
    @extend_schema(request=None, responses={200: TournamentOutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        tournament = tournament_open(actor=authenticated_user(request), tournament_id=tournament_id)
        return Response(TournamentOutputSerializer(tournament).data)


class TournamentCloseApi(APIView):
    @extend_schema(request=None, responses={200: TournamentOutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        tournament = tournament_close(actor=authenticated_user(request), tournament_id=tournament_id)
        return Response(TournamentOutputSerializer(tournament).data)


class CancellationOutputSerializer(serializers.Serializer):
    tournament = TournamentOutputSerializer()
    refunded_registrations = serializers.IntegerField(help_text="Entry fees paid back by this call.")
    returned_funding = serializers.IntegerField(help_text="Prize-pool funding paid back to its funders, in coins.")


class TournamentCancelApi(APIView):
    """Cancel before rewards are distributed: every entry fee and every funding goes back."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={200: CancellationOutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cancellation = tournament_cancel(
            actor=authenticated_user(request), tournament_id=tournament_id, **data.validated_data
        )
        return Response(CancellationOutputSerializer(cancellation).data)
