"""Registration endpoints: register, withdraw, check in, and the organizer's listing."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin
from tournaments.models import RegistrationStatus
from tournaments.policies import tournament_run_require
from tournaments.selectors.registrations import registration_list
from tournaments.selectors.tournaments import tournament_get
from tournaments.services.registrations import (
    registration_check_in,
    registration_create,
    registration_roster_set,
    registration_withdraw,
)


# The registration of a RegistrationOutcome / WithdrawalOutcome, flat beside the outcome's
# own fields (a comment, not a docstring: the OpenAPI schema stays as it was).
class RegistrationOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="registration.id")
    tournament_id = serializers.IntegerField(source="registration.tournament_id")
    team_id = serializers.IntegerField(source="registration.team_id")
    status = serializers.CharField(source="registration.status")
    registered_by_id = serializers.IntegerField(source="registration.registered_by_id")
    created_at = serializers.DateTimeField(source="registration.created_at")


class LineupInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """``starters`` (``team_size`` of them) and ``substitutes`` (up to ``max_substitutes``): member ids."""

    starters = serializers.ListField(child=IdField(), min_length=1, max_length=100)
    substitutes = serializers.ListField(child=IdField(), max_length=100, required=False)

    def validate(self, attrs: dict) -> dict:
        named = [*attrs.get("starters", []), *attrs.get("substitutes", [])]
        if len(named) != len(set(named)):
            raise serializers.ValidationError("A player is named twice.")
        return attrs


class LineupOutputSerializer(serializers.Serializer):
    starters = serializers.ListField(child=serializers.IntegerField())
    substitutes = serializers.ListField(child=serializers.IntegerField())


class RegistrationCreateApi(APIView):
    class InputSerializer(LineupInputSerializer):
        tournament_id = IdField()
        team_id = IdField()
        starters = serializers.ListField(child=IdField(), min_length=1, max_length=100, required=False)

    class OutputSerializer(RegistrationOutcomeSerializer):
        waitlist_position = serializers.IntegerField(allow_null=True)
        roster = serializers.ListField(child=serializers.IntegerField(), source="roster_user_ids")
        starters = serializers.ListField(child=serializers.IntegerField(), source="lineup.starters")
        substitutes = serializers.ListField(child=serializers.IntegerField(), source="lineup.substitutes")

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = registration_create(user=authenticated_user(request), **data.validated_data)
        return Response(self.OutputSerializer(outcome).data, status=status.HTTP_201_CREATED)


class RegistrationRosterApi(APIView):
    """The captain names the lineup again, until the roster locks at the tournament's start."""

    @extend_schema(request=LineupInputSerializer, responses={200: LineupOutputSerializer})
    def put(self, request: Request, registration_id: int) -> Response:
        data = LineupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lineup = registration_roster_set(
            user=authenticated_user(request), registration_id=registration_id, **data.validated_data
        )
        return Response(LineupOutputSerializer(lineup).data)


class RegistrationWithdrawApi(APIView):
    class OutputSerializer(RegistrationOutcomeSerializer):
        promoted_registration_id = serializers.IntegerField(allow_null=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, registration_id: int) -> Response:
        outcome = registration_withdraw(user=authenticated_user(request), registration_id=registration_id)
        return Response(self.OutputSerializer(outcome).data)


class RegistrationCheckInApi(APIView):
    """The captain checks the team in, within the tournament's check-in window."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        team_id = IdField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        tournament_id = serializers.IntegerField()
        team_id = serializers.IntegerField()
        status = serializers.CharField()
        checked_in_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_check_in(
            user=authenticated_user(request), tournament_id=tournament_id, **data.validated_data
        )
        return Response(self.OutputSerializer(registration).data)


class RegistrationListApi(APIView):
    pagination_class = PageNumberPagination  # also tells the OpenAPI schema the list is paginated

    class FilterSerializer(serializers.Serializer):
        status = serializers.CharField(required=False, max_length=200)

        def validate_status(self, value: str) -> list[str]:
            statuses = [part.strip().lower() for part in value.split(",")]
            unknown = sorted(set(statuses) - set(RegistrationStatus.values))
            if unknown:
                raise serializers.ValidationError(f"Unknown status: {', '.join(unknown)}.")
            return statuses

    class OutputSerializer(serializers.Serializer):
        class TeamSerializer(serializers.Serializer):
            class CaptainSerializer(serializers.Serializer):
                id = serializers.IntegerField()
                username = serializers.CharField()

            id = serializers.IntegerField()
            name = serializers.CharField()
            tag = serializers.CharField()
            captain = CaptainSerializer()

        id = serializers.IntegerField()
        status = serializers.CharField()
        created_at = serializers.DateTimeField()
        team = TeamSerializer()

    @extend_schema(
        parameters=[OpenApiParameter("status", str, description="Comma-separated statuses, e.g. pending,confirmed")],
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request, tournament_id: int) -> Response:
        tournament_run_require(actor=request.user, tournament_id=tournament_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tournament = tournament_get(tournament_id=tournament_id)
        statuses = filters.validated_data.get("status", RegistrationStatus.values)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            registration_list(tournament_id=tournament.pk, statuses=statuses), request, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
