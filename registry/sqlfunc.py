"""SQL expressions that SQLite and PostgreSQL spell differently, compiled for each."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["epoch_day"]


class _EpochDay(FunctionElement[int]):
    """Days since 1970-01-01 of a date column, as an integer, on SQLite and PostgreSQL."""

    type = sa.Integer()
    inherit_cache = True
    name = "epoch_day"


@compiles(_EpochDay, "sqlite")
def _epoch_day_sqlite(element: _EpochDay, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday of a date is n.5; 2440587.5 is 1970-01-01, so the difference is exact.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(_EpochDay)
def _epoch_day_default(element: _EpochDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


def epoch_day(column: Any) -> ColumnElement[int]:
    """Days since 1970-01-01 of the date `column` (NULL stays NULL), computed by the database."""
    return _EpochDay(column)
