"""The shared SQL helpers: multi-row INSERTs, and model instances from hand-written SELECTs.

Several hot paths write many rows in one statement with plain SQL rather than
``bulk_create`` / ``bulk_update``: for tens of rows the model layer's per-field
preparation, or the CASE WHEN compilation, cost more Python time than the statement
itself (profiled: notes/issue-7.md). They all need the same thing: a ``VALUES`` list of
placeholders and the flattened parameters, built once here.

A few hot reads are hand-written SELECTs for the same reason: the ORM built them anew
on every call, in more time than the database took to run them (notes/issue-19.md).
``RowShape`` turns a slice of such a row back into the model instance the ORM would
have made: the backend's and the fields' converters applied (aware datetimes, JSON),
the fields not selected deferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def values_placeholders(*, rows: int, columns: int) -> str:
    """``(%s, %s), (%s, %s)`` for ``rows`` rows of ``columns`` values."""
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([row] * rows)


def flatten(rows: Iterable[Sequence[Any]]) -> list[Any]:
    """The parameters of a ``VALUES`` list, row after row."""
    return [value for values in rows for value in values]


def rows_insert(*, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], suffix: str = "") -> None:
    """One multi-row INSERT of plain values into ``table``, in the caller's order.

    Values must be ready for the database (ids, ints, aware datetimes, str); ``table``,
    ``columns`` and ``suffix`` come from model metadata and the caller's constants,
    never from input. No rows, no statement.
    """
    if not rows:
        return
    placeholders = values_placeholders(rows=len(rows), columns=len(columns))
    # Identifiers come from model metadata and module constants; values are bound.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} {suffix}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, flatten(rows))


class RowShape:
    """Some fields of ``model`` in a SELECT, under the table alias ``alias``.

    ``sql`` is the select list (the model's field order, its primary key included);
    ``instance(values)`` makes the instance from that many values of a row, or None
    when the primary key is NULL (a LEFT JOIN that found nothing). ``names`` are field
    names or attnames (``organizer`` or ``organizer_id``); none means every concrete field."""

    def __init__(self, model: type[Model], alias: str, names: Sequence[str] = ()) -> None:
        meta = model._meta
        wanted = {meta.pk.name, *names} if names else None
        self.model = model
        self.fields: list[Field[Any, Any]] = [
            field for field in meta.concrete_fields if wanted is None or wanted & {field.name, field.attname}
        ]
        self.attnames = [field.attname for field in self.fields]
        self.width = len(self.fields)
        self.pk_index = self.fields.index(meta.pk)  # type: ignore[arg-type]
        # Quoted: a column may be a keyword (a match's "group").
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(str(field.column))}" for field in self.fields)
        self._converters: dict[str, list[tuple[list[Any], Any]]] = {}

    def instance(self, values: Sequence[Any]) -> Model | None:
        if values[self.pk_index] is None:
            return None
        converted = []
        for value, (converters, expression) in zip(values, self._converters_for(), strict=True):
            for converter in converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)

    def _converters_for(self) -> list[tuple[list[Any], Any]]:
        """What the ORM's compiler applies to each column: the backend's converters, then
        the field's own (``from_db_value``). Per vendor: they read settings, not a session."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for field in self.fields:
                expression = field.get_col(self.model._meta.db_table)
                found.append(
                    (
                        connection.ops.get_db_converters(expression) + expression.get_db_converters(connection),
                        expression,
                    )
                )
            self._converters[connection.vendor] = found
        return found
