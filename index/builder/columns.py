"""The passage columns, declared once: derived from the `Passage` record itself.

Both backends store a passage as one row. The column list, the SQL types of
SQLite and PostgreSQL, and the conversion of each value to and from a row all
come from `Passage`'s fields, so adding a field to the record is the only edit
(plus a PostgreSQL migration that adds its column: the schema is checked
against this declaration, see index/backends/postgres/schema.py).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.records import Passage

# SQL keywords cannot be column names; these fields are stored under another name.
_STORED_AS = {"start": "start_offset", "end": "end_offset"}
# Python type -> (SQLite type, PostgreSQL type)
_SQL_TYPES: dict[Any, tuple[str, str]] = {
    str: ("TEXT", "text"),
    int: ("INTEGER", "integer"),
    bool: ("INTEGER", "boolean"),
    tuple[str, ...]: ("TEXT", "text[]"),  # SQLite keeps a JSON list
}


@dataclass(frozen=True)
class Column:
    field: str  # the Passage attribute
    name: str  # the column
    kind: Any  # the Python type, without None
    nullable: bool

    def ddl(self, dialect: str) -> str:
        sqlite, postgres = _SQL_TYPES[self.kind]
        return f"{self.name} {sqlite if dialect == 'sqlite' else postgres}" + ("" if self.nullable else " NOT NULL")


def _column(field: dataclasses.Field, hints: dict[str, Any]) -> Column:
    hint = hints[field.name]
    args = typing.get_args(hint)
    nullable = isinstance(hint, types.UnionType) and type(None) in args
    kind = next(a for a in args if a is not type(None)) if nullable else hint
    return Column(field.name, _STORED_AS.get(field.name, field.name), kind, nullable)


_HINTS = typing.get_type_hints(Passage)
PASSAGE_COLUMNS: tuple[Column, ...] = tuple(_column(f, _HINTS) for f in dataclasses.fields(Passage))
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in PASSAGE_COLUMNS)


def column_ddl(dialect: str) -> str:
    """The passage columns of a CREATE TABLE statement ("sqlite" or "postgres")."""
    return ", ".join(c.ddl(dialect) for c in PASSAGE_COLUMNS)


def to_row(passage: Passage, dialect: str) -> tuple:
    """A passage's values in column order, as the dialect stores them."""
    values = []
    for column in PASSAGE_COLUMNS:
        value = getattr(passage, column.field)
        if column.kind == tuple[str, ...]:
            value = json.dumps(list(value), ensure_ascii=False) if dialect == "sqlite" else list(value)
        elif column.kind is bool and dialect == "sqlite":
            value = int(value)
        values.append(value)
    return tuple(values)


def from_row(values: Sequence[Any]) -> Passage:
    """A passage from its column values (either dialect)."""
    data = {}
    for column, value in zip(PASSAGE_COLUMNS, values, strict=True):
        if column.kind == tuple[str, ...]:
            value = tuple(json.loads(value) if isinstance(value, str) else value)
        elif column.kind is bool:
            value = bool(value)
        data[column.field] = value
    return Passage(**data)
