"""Webhook reads: an organizer's endpoints and their attempts, and the dispatcher's due endpoints."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import F, OuterRef, QuerySet, Subquery

from core.errors import NotFound
from realtime.models import EventSequence
from tournaments.policies import may_run
from webhooks.errors import ErrorCode
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_endpoints_active() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(active=True)


def webhook_endpoints_behind() -> QuerySet[WebhookEndpoint]:
    """Active endpoints whose tournament's stream has events past their cursor."""
    head = EventSequence.objects.filter(tournament_id=OuterRef("tournament_id")).values("last_seq")[:1]
    return webhook_endpoints_active().annotate(head=Subquery(head)).filter(head__gt=F("delivered_seq"))


def webhook_endpoint_list(*, tournament_id: int) -> QuerySet[WebhookEndpoint]:
    """Precondition: the caller may run the tournament (``tournament_run_require``)."""
    return WebhookEndpoint.objects.filter(tournament_id=tournament_id).order_by("pk")


def webhook_endpoint_get(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint of a tournament ``actor`` may run; any other is not found (nothing is revealed)."""
    endpoint = WebhookEndpoint.objects.select_related("tournament").filter(pk=endpoint_id).first()
    if endpoint is None or not may_run(actor, organizer_id=endpoint.tournament.organizer_id):
        raise NotFound("No such webhook.", code=ErrorCode.WEBHOOK_NOT_FOUND)
    return endpoint


def webhook_delivery_list(*, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery attempts, newest first."""
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id).order_by("-pk")
