"""OpenAPI schema generation: component names for the house style's nested serializers.

Every view nests ``InputSerializer`` / ``OutputSerializer``; drf-spectacular names a
component after the class alone, so all of them collide as "Input"/"Output" and the
schema silently reuses one view's body for another. The enclosing view's name makes
each one unique: ``UserCreateApi.InputSerializer`` → ``UserCreateInput`` (and
``RegistrationListApi.OutputSerializer.TeamSerializer`` → ``RegistrationListOutputTeam``).
"""

from __future__ import annotations

from typing import Literal

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: serializers.Serializer, direction: Literal["request", "response"]) -> str:
        qualname = type(serializer).__qualname__
        if "." not in qualname or "<locals>" in qualname:
            return super().get_serializer_name(serializer, direction)
        return "".join(part.removesuffix("Api").removesuffix("Serializer") for part in qualname.split("."))
