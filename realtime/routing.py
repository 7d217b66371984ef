from django.conf import settings
from django.urls import path

import config.converters  # noqa: F401  (registers <id:...>)
from realtime.consumers import StockTournamentConsumer, TournamentConsumer

# The hub is the default; stock Channels fan-out stays selectable for measurement.
_consumer = StockTournamentConsumer if settings.REALTIME_FANOUT == "channels" else TournamentConsumer

websocket_urlpatterns = [
    path("ws/tournaments/<id:tournament_id>/", _consumer.as_asgi()),
]
