"""The schema endpoint (apart from config.schema, which drf-spectacular's views import)."""

from __future__ import annotations

from typing import ClassVar

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class CachedSchemaApi(SpectacularAPIView):
    """``/api/schema/``, generated once per process (per version and language), not per request.

    Generating walks every view and serializer (~100 ms); the schema only changes with
    the code, i.e. with a new process. It is public (``SERVE_PUBLIC``), so it does not
    depend on who asks.
    """

    _cache: ClassVar[dict[tuple[str | None, str | None], dict]] = {}

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        if key not in self._cache:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._cache[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=self._cache[key],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
