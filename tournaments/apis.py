"""Tournament and registration endpoints (matches live in match_apis.py)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin, StrictIntegerField
from core.errors import Forbidden
from tournaments.models import RegistrationStatus
from tournaments.selectors import registration_list, tournament_get, tournament_list
from tournaments.services import (
    registration_create,
    registration_withdraw,
    tournament_close,
    tournament_create,
    tournament_open,
)


class TournamentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    game = serializers.CharField()
    season_id = serializers.IntegerField(allow_null=True)
    organizer_id = serializers.IntegerField()
    status = serializers.CharField()
    max_teams = serializers.IntegerField()
    team_size = serializers.IntegerField()
    registration_opens_at = serializers.DateTimeField(allow_null=True)
    registration_closes_at = serializers.DateTimeField(allow_null=True)
    entry_fee = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class RegistrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tournament_id = serializers.IntegerField()
    team_id = serializers.IntegerField()
    status = serializers.CharField()
    registered_by_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class TournamentCreateApi(APIView):
    pagination_class = PageNumberPagination  # GET; also tells the OpenAPI schema the list is paginated

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        name = serializers.CharField(max_length=200)
        game = serializers.CharField(max_length=100)
        max_teams = StrictIntegerField(min_value=2, max_value=4096)
        team_size = StrictIntegerField(min_value=1, max_value=100)
        season_id = IdField(required=False, allow_null=True)
        registration_opens_at = serializers.DateTimeField(required=False, allow_null=True)
        registration_closes_at = serializers.DateTimeField(required=False, allow_null=True)
        entry_fee = StrictIntegerField(required=False, min_value=0, max_value=10**12)

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
        page = paginator.paginate_queryset(tournament_list(), request, view=self)
        return paginator.get_paginated_response(TournamentOutputSerializer(page, many=True).data)


class TournamentDetailApi(APIView):
    @extend_schema(responses={200: TournamentOutputSerializer})
    def get(self, request: Request, tournament_id: int) -> Response:
        return Response(TournamentOutputSerializer(tournament_get(tournament_id=tournament_id)).data)


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


class RegistrationCreateApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        tournament_id = IdField()
        team_id = IdField()

    class OutputSerializer(RegistrationOutputSerializer):
        waitlist_position = serializers.IntegerField(allow_null=True)
        roster = serializers.ListField(child=serializers.IntegerField(), source="roster_user_ids")

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_create(user=authenticated_user(request), **data.validated_data)
        return Response(self.OutputSerializer(registration).data, status=status.HTTP_201_CREATED)


class RegistrationWithdrawApi(APIView):
    class OutputSerializer(RegistrationOutputSerializer):
        promoted_registration_id = serializers.IntegerField(allow_null=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, registration_id: int) -> Response:
        registration = registration_withdraw(user=authenticated_user(request), registration_id=registration_id)
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
        if not request.user.is_staff:
            raise Forbidden("Only organizers may list registrations.", code="organizer_only")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tournament = tournament_get(tournament_id=tournament_id)
        statuses = filters.validated_data.get("status", RegistrationStatus.values)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            registration_list(tournament_id=tournament.pk, statuses=statuses), request, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
