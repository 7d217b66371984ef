from django.urls import path
from django.utils.module_loading import import_string

import config.converters  # noqa: F401  (registers <id:...>)
from realtime.channels import fanout_get

# The consumer of the fan-out settings.REALTIME_FANOUT names: the hub's in production.
_consumer = import_string(fanout_get().consumer)

websocket_urlpatterns = [
    path("ws/tournaments/<id:tournament_id>/", _consumer.as_asgi()),
]
