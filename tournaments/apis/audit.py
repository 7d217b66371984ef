"""The audit trail endpoint: who did what to a tournament, for whoever runs it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tournaments.models import AuditAction
from tournaments.policies import tournament_run_require
from tournaments.selectors.audit import audit_list
from tournaments.selectors.tournaments import tournament_get


class TournamentAuditListApi(APIView):
    pagination_class = PageNumberPagination  # also tells the OpenAPI schema the list is paginated

    class OutputSerializer(serializers.Serializer):
        class ActorSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            username = serializers.CharField()

        id = serializers.IntegerField()
        action = serializers.ChoiceField(choices=AuditAction.choices)
        actor = ActorSerializer(allow_null=True, help_text="null: the system (manage.py finalize_tournament)")
        match_id = serializers.IntegerField(allow_null=True)
        before = serializers.JSONField(help_text="The fields the action changed, before it.")
        after = serializers.JSONField(help_text="The same fields after it.")
        reason = serializers.CharField(allow_blank=True)
        created_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request, tournament_id: int) -> Response:
        """Every organizer action and every report, confirmation, dispute, forfeit, override
        and cancellation of the tournament, newest first. For its organizer and staff."""
        tournament_run_require(actor=request.user, tournament_id=tournament_id)
        tournament = tournament_get(tournament_id=tournament_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(audit_list(tournament_id=tournament.pk), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
