"""The shared multi-row SQL helper.

Several hot paths write many rows in one statement with plain SQL rather than
``bulk_create`` / ``bulk_update``: for tens of rows the model layer's per-field
preparation, or the CASE WHEN compilation, cost more Python time than the statement
itself (profiled: notes/issue-7.md). They all need the same thing: a ``VALUES`` list of
placeholders and the flattened parameters, built once here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


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
