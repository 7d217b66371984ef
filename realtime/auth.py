"""WebSocket authentication. Placeholder owned by the realtime issue."""

from channels.auth import AuthMiddlewareStack

TokenOrSessionAuthMiddlewareStack = AuthMiddlewareStack
