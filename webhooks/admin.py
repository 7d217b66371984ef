from django.contrib import admin

from accounts.admin import OrganizerReadOnlyAdmin
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "tournament", "url", "active", "attempts", "delivered_seq", "created_at"]
    list_filter = ["active"]
    exclude = ["secret", "lease_token"]  # the secret was shown once, to its organizer


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "endpoint", "seq", "event_type", "attempt", "ok", "status_code", "created_at"]
    list_filter = ["ok"]
