"""Team endpoints: parse, call one service or selector, shape the output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin
from teams.models import DEFAULT_MAX_MEMBERS, MAX_MEMBERS_LIMIT
from teams.selectors import team_get, team_invites_for_user
from teams.services import (
    team_captain_transfer,
    team_create,
    team_invite_accept,
    team_invite_create,
    team_invite_decline,
    team_leave,
    team_member_add,
    team_member_remove,
)


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
    max_members = serializers.IntegerField()
    members = MemberOutputSerializer(source="memberships.all", many=True)
    created_at = serializers.DateTimeField()


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tag = serializers.CharField()


class InviteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = TeamRefSerializer()
    user_id = serializers.IntegerField()
    invited_by = UserRefSerializer()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class UserIdInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    user_id = IdField()


class TeamCreateApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        name = serializers.CharField(max_length=100)
        tag = serializers.RegexField(r"^[A-Za-z0-9]{2,12}$", max_length=12)
        max_members = serializers.IntegerField(min_value=1, max_value=MAX_MEMBERS_LIMIT, default=DEFAULT_MAX_MEMBERS)

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
    """Staff only: put a user into a team without an invitation (``teams.policies``)."""

    @extend_schema(request=UserIdInputSerializer, responses={201: MemberOutputSerializer})
    def post(self, request: Request, team_id: int) -> Response:
        data = UserIdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = team_member_add(actor=authenticated_user(request), team_id=team_id, **data.validated_data)
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class TeamMemberRemoveApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, team_id: int, user_id: int) -> Response:
        team_member_remove(actor=authenticated_user(request), team_id=team_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamInviteCreateApi(APIView):
    """The captain invites a user; they join when they accept."""

    @extend_schema(request=UserIdInputSerializer, responses={201: InviteOutputSerializer})
    def post(self, request: Request, team_id: int) -> Response:
        data = UserIdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite = team_invite_create(actor=authenticated_user(request), team_id=team_id, **data.validated_data)
        return Response(InviteOutputSerializer(invite).data, status=status.HTTP_201_CREATED)


class TeamInviteListApi(APIView):
    """The caller's open invitations, newest first."""

    @extend_schema(responses={200: InviteOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        invites = team_invites_for_user(user_id=authenticated_user(request).pk)
        return Response(InviteOutputSerializer(invites, many=True).data)


class TeamInviteAcceptApi(APIView):
    """The invited user joins the team; answers with the team."""

    @extend_schema(request=None, responses={200: TeamOutputSerializer})
    def post(self, request: Request, invite_id: int) -> Response:
        membership = team_invite_accept(actor=authenticated_user(request), invite_id=invite_id)
        return Response(TeamOutputSerializer(team_get(team_id=membership.team_id)).data)


class TeamInviteDeclineApi(APIView):
    @extend_schema(request=None, responses={200: InviteOutputSerializer})
    def post(self, request: Request, invite_id: int) -> Response:
        invite = team_invite_decline(actor=authenticated_user(request), invite_id=invite_id)
        return Response(InviteOutputSerializer(invite).data)


class TeamLeaveApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, team_id: int) -> Response:
        team_leave(actor=authenticated_user(request), team_id=team_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamCaptainTransferApi(APIView):
    """The captain hands the captaincy to another member."""

    @extend_schema(request=UserIdInputSerializer, responses={200: TeamOutputSerializer})
    def post(self, request: Request, team_id: int) -> Response:
        data = UserIdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = team_captain_transfer(actor=authenticated_user(request), team_id=team_id, **data.validated_data)
        return Response(TeamOutputSerializer(team_get(team_id=team.pk)).data)
