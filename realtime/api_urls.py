"""API routes of the realtime app (mounted under /api/realtime/)."""

from django.urls import path

from realtime.apis import TicketCreateApi

urlpatterns = [
    path("tickets/", TicketCreateApi.as_view(), name="realtime-ticket-create"),
]
