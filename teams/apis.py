"""Team endpoints: parse, call one service or selector, shape the output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin
from teams.selectors import team_get
from teams.services import team_create, team_member_add, team_member_remove


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class MemberOutputSerializer(serializers.Serializer):
    user = UserRefSerializer()
    role = serializers.CharField()
    joined_at = serializers.DateTimeField()


class TeamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tag = serializers.CharField()
    captain = UserRefSerializer()
    members = MemberOutputSerializer(source="memberships.all", many=True)
    created_at = serializers.DateTimeField()


class TeamCreateApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        name = serializers.CharField(max_length=100)
        tag = serializers.RegexField(r"^[A-Za-z0-9]{2,12}$", max_length=12)

    @extend_schema(request=InputSerializer, responses={201: TeamOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = team_create(captain=authenticated_user(request), **data.validated_data)
        return Response(TeamOutputSerializer(team_get(team_id=team.pk)).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(APIView):
    @extend_schema(responses={200: TeamOutputSerializer})
    def get(self, request: Request, team_id: int) -> Response:
        return Response(TeamOutputSerializer(team_get(team_id=team_id)).data)


class TeamMemberAddApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        user_id = IdField()

    @extend_schema(request=InputSerializer, responses={201: MemberOutputSerializer})
    def post(self, request: Request, team_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = team_member_add(actor=authenticated_user(request), team_id=team_id, **data.validated_data)
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class TeamMemberRemoveApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, team_id: int, user_id: int) -> Response:
        team_member_remove(actor=authenticated_user(request), team_id=team_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
