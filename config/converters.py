"""URL path converters shared by every app's routes (HTTP and WebSocket).

Importing this module registers them; config/urls.py and realtime/routing.py import it
before declaring any route.
"""

from django.urls import register_converter


class IdPathConverter:
    """``<id:name>`` in URLs: IdField's twin for path segments.

    Django's ``<int:>`` matches any run of digits; an id past the 64-bit range then
    reaches the database driver (SQLite raises OverflowError: a 500). At most 18
    digits always fits a bigint, so longer ones are simply not a route (JSON 404).
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdPathConverter, "id")
