"""``POST /api/tournaments/{id}/prize-pool/``: whoever runs the tournament adds coins to its prize pool."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import RejectUnknownFieldsMixin
from economy.apis import AmountField, idempotency_key_get
from tournaments.services.prize_pools import prize_pool_fund


class PrizePoolFundApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        amount = AmountField()

    class OutputSerializer(serializers.Serializer):
        tournament_id = serializers.IntegerField()
        amount = serializers.IntegerField()
        prize_pool = serializers.IntegerField(help_text="The pool's balance after this funding.")

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request, tournament_id: int) -> Response:
        key = idempotency_key_get(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        funding = prize_pool_fund(
            actor=authenticated_user(request),
            tournament_id=tournament_id,
            amount=data.validated_data["amount"],
            idempotency_key=key,
        )
        return Response(self.OutputSerializer(funding).data, status=status.HTTP_201_CREATED)
