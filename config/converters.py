"""URL path converters shared by every app's routes."""


class IdPathConverter:
    """``<id:name>`` in URLs: IdField's twin for path segments.

    Django's ``<int:>`` matches any run of digits; an id past the 64-bit range then
    reaches the database driver (SQLite raises OverflowError: a 500). At most 18
    digits always fits a bigint, so longer ones are simply not a route (JSON 404).
    Registered once, in config/urls.py, before any app's routes are included.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
