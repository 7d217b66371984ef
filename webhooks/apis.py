"""Webhook endpoints of a tournament and their delivery attempts (docs/webhooks.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import RejectUnknownFieldsMixin
from realtime.events import EVENT_TYPES
from tournaments.policies import tournament_run_require
from tournaments.selectors.tournaments import tournament_get
from webhooks.selectors import webhook_delivery_list, webhook_endpoint_get, webhook_endpoint_list
from webhooks.services import webhook_endpoint_create, webhook_endpoint_delete, webhook_endpoint_enable


class WebhookEndpointOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tournament_id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField(help_text="false once disabled after WEBHOOK_MAX_FAILURES failures in a row")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    delivered_seq = serializers.IntegerField(help_text="Every event of the stream up to this seq is done.")
    failures = serializers.IntegerField(source="attempts", help_text="Failed deliveries in a row.")
    next_attempt_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class TournamentWebhookListCreateApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        url = serializers.URLField(max_length=500)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=EVENT_TYPES), min_length=1, max_length=len(EVENT_TYPES)
        )

    class CreatedSerializer(WebhookEndpointOutputSerializer):
        secret = serializers.CharField(help_text="Signs every delivery (X-Arena-Signature). Shown only here, once.")

    @extend_schema(request=InputSerializer, responses={201: CreatedSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        """Register an endpoint for the tournament's events (its organizer or staff). It receives
        every event of the chosen types committed from now on, signed, in order."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(
            actor=authenticated_user(request), tournament_id=tournament_id, **data.validated_data
        )
        return Response(self.CreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WebhookEndpointOutputSerializer(many=True)})
    def get(self, request: Request, tournament_id: int) -> Response:
        """The tournament's endpoints (without their secrets)."""
        tournament_run_require(actor=request.user, tournament_id=tournament_id)
        tournament = tournament_get(tournament_id=tournament_id)
        endpoints = webhook_endpoint_list(tournament_id=tournament.pk)
        return Response(WebhookEndpointOutputSerializer(endpoints, many=True).data)


class WebhookDeliveryListApi(APIView):
    pagination_class = PageNumberPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        seq = serializers.IntegerField()
        event_type = serializers.CharField()
        attempt = serializers.IntegerField()
        ok = serializers.BooleanField()
        status_code = serializers.IntegerField(allow_null=True)
        error = serializers.CharField()
        duration_ms = serializers.FloatField()
        created_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request, endpoint_id: int) -> Response:
        """Every delivery attempt of the endpoint, newest first."""
        endpoint = webhook_endpoint_get(actor=authenticated_user(request), endpoint_id=endpoint_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(webhook_delivery_list(endpoint_id=endpoint.pk), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class WebhookEndpointDeleteApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, endpoint_id: int) -> Response:
        """Remove the endpoint and its delivery attempts."""
        webhook_endpoint_delete(actor=authenticated_user(request), endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointEnableApi(APIView):
    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        """No fields: the body is empty or ``{}``."""

    @extend_schema(request=InputSerializer, responses={200: WebhookEndpointOutputSerializer})
    def post(self, request: Request, endpoint_id: int) -> Response:
        """Turn a disabled endpoint back on: it resumes at the first event it has not accepted."""
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        endpoint = webhook_endpoint_enable(actor=authenticated_user(request), endpoint_id=endpoint_id)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)
