"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (consumers, middleware).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.body_limit import BodySizeLimitMiddleware  # noqa: E402
from realtime.auth import TicketOrSessionAuthMiddlewareStack  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # The body cap comes first: Django spools a body to disk before any check of its own.
        "http": BodySizeLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(TicketOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
