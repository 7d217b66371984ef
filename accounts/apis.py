from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import ErrorCode
from accounts.services import login_failure_record, login_throttle_wait, token_for, token_revoke, user_create
from config.auth import authenticated_user
from core.errors import InvalidInput


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text="Where notifications go; empty: none are sent.")
    is_staff = serializers.BooleanField()


class UserCreateApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        email = serializers.EmailField(
            required=False, allow_blank=True, max_length=254, help_text="For notifications (optional)."
        )

    class OutputSerializer(serializers.Serializer):
        user = UserOutputSerializer()
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = user_create(**data.validated_data)
        return Response(self.OutputSerializer({"user": user, "token": token.key}).data, status=status.HTTP_201_CREATED)


class TokenCreateApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username, ip = data.validated_data["username"], request.META.get("REMOTE_ADDR", "")
        wait = login_throttle_wait(username=username, ip=ip)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            login_failure_record(username=username, ip=ip)
            raise InvalidInput("Wrong username or password.", code=ErrorCode.INVALID_CREDENTIALS)
        return Response(self.OutputSerializer({"token": token_for(user=user).key}).data)


class TokenRevokeApi(APIView):
    """Delete the caller's API token: every client using it is signed out."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token_revoke(user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)
