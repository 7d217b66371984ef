from django.conf import settings
from django.urls import path

from realtime.consumers import StockTournamentConsumer, TournamentConsumer

# The hub is the default; stock Channels fan-out stays selectable for measurement.
_consumer = StockTournamentConsumer if getattr(settings, "REALTIME_FANOUT", "hub") == "channels" else TournamentConsumer

websocket_urlpatterns = [
    path("ws/tournaments/<int:tournament_id>/", _consumer.as_asgi()),
]
