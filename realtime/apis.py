"""``POST /api/realtime/tickets/``: a single-use ticket to open a WebSocket (realtime/tickets.py)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from realtime.tickets import ticket_issue


class TicketCreateApi(APIView):
    throttle_scope = "tickets"

    class OutputSerializer(serializers.Serializer):
        ticket = serializers.CharField()
        expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid; it is redeemed once.")

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        ticket = ticket_issue(user=authenticated_user(request))
        body = {"ticket": ticket, "expires_in": settings.REALTIME_TICKET_TTL_SECONDS}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
