"""API routes of the webhooks app (mounted under /api/)."""

from django.urls import path

from webhooks.apis import (
    TournamentWebhookListCreateApi,
    WebhookDeliveryListApi,
    WebhookEndpointDeleteApi,
    WebhookEndpointEnableApi,
)

urlpatterns = [
    path(
        "tournaments/<id:tournament_id>/webhooks/", TournamentWebhookListCreateApi.as_view(), name="tournament-webhooks"
    ),
    path("webhooks/<id:endpoint_id>/", WebhookEndpointDeleteApi.as_view(), name="webhook-detail"),
    path("webhooks/<id:endpoint_id>/enable/", WebhookEndpointEnableApi.as_view(), name="webhook-enable"),
    path("webhooks/<id:endpoint_id>/deliveries/", WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
]
