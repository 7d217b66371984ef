"""Serializer helpers shared by every app's ``apis.py``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Refuse input keys the serializer does not declare (400 ``invalid``).

    DRF silently drops unknown keys, so a typo (``team`` for ``team_id``) or a client
    trying to set a field it may not (``status``) would pass unnoticed. Put the mixin
    first: ``class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer)``.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))  # type: ignore[attr-defined]
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, nothing else.

    DRF's IntegerField also accepts ``"12"``, ``12.0`` and ``true``; a number sent as a
    string is a client bug worth a 400 rather than a silent coercion.
    """

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """A primary key in a JSON body: a positive JSON integer that fits a bigint."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)
