"""HTTP interface of the economy: parse, call one service or selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import IdField, RejectUnknownFieldsMixin
from core.errors import InvalidInput, NotFound
from economy.errors import ErrorCode
from economy.selectors import grant_list, ledger_entry_list, wallet_get
from economy.services import MAX_AMOUNT, grant_create, wallet_transfer

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class AmountField(IdField):
    """A positive JSON integer no larger than 2^53: floats, strings and booleans are 400."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(**kwargs)


def idempotency_key_get(request: Request) -> str:
    """The Idempotency-Key header, checked (also used by the prize-pool funding API)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise InvalidInput("The Idempotency-Key header is required.", code=ErrorCode.IDEMPOTENCY_KEY_MISSING)
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(
            f"Idempotency-Key is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            code=ErrorCode.IDEMPOTENCY_KEY_INVALID,
        )
    return key


class TransferCreateApi(APIView):
    throttle_scope = "transfers"

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        to_user_id = IdField()
        amount = AmountField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        from_user_id = serializers.IntegerField()
        to_user_id = serializers.IntegerField()
        amount = serializers.IntegerField()
        balance = serializers.IntegerField(help_text="The caller's balance after the transfer.")

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_get(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = wallet_transfer(sender=authenticated_user(request), idempotency_key=key, **data.validated_data)
        # The body is the stored one (a replay answers byte for byte what the first call did).
        return Response(outcome.body, status=outcome.status)


class CanGrantCoins(BasePermission):
    """The dedicated permission ``economy.grant_coins``: being staff is not enough to mint."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("economy.grant_coins"))


class CanAuditGrants(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("economy.view_ledgertransaction"))


class GrantCreateApi(APIView):
    permission_classes = [CanGrantCoins]
    throttle_scope = "grants"

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        user_id = IdField()
        amount = AmountField()
        reason = serializers.CharField(max_length=255)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        user_id = serializers.IntegerField()
        amount = serializers.IntegerField()
        balance = serializers.IntegerField(help_text="The receiver's balance after the grant.")

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(pk=data.validated_data["user_id"]).first()
        if user is None:
            raise NotFound("No user with that id.", code=ErrorCode.USER_NOT_FOUND)
        grant, balance = grant_create(
            actor=authenticated_user(request),
            user=user,
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
        )
        body = {"id": grant.pk, "user_id": user.pk, "amount": data.validated_data["amount"], "balance": balance}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class GrantListApi(APIView):
    """The audit view of grants (permission ``economy.view_ledgertransaction``)."""

    permission_classes = [CanAuditGrants]

    class Pagination(PageNumberPagination):
        page_size = 50
        page_size_query_param = "page_size"
        max_page_size = 200

    pagination_class = Pagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="transaction_id")
        granted_by_id = serializers.IntegerField(allow_null=True, help_text="None: the system (economy_grant).")
        user_id = serializers.IntegerField()
        amount = serializers.IntegerField()
        reason = serializers.CharField()
        created_at = serializers.DateTimeField(source="granted_at")

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(grant_list(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class WalletDetailApi(APIView):
    class OutputSerializer(serializers.Serializer):
        balance = serializers.IntegerField()
        version = serializers.IntegerField()

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(wallet_get(user=authenticated_user(request))).data)


class LedgerEntryListApi(APIView):
    class Pagination(PageNumberPagination):
        page_size = 50
        page_size_query_param = "page_size"
        max_page_size = 200

    pagination_class = Pagination  # also tells the OpenAPI schema the list is paginated

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        transaction_id = serializers.IntegerField()
        kind = serializers.CharField()
        amount = serializers.IntegerField()
        balance_after = serializers.IntegerField()
        created_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(ledger_entry_list(user=authenticated_user(request)), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
