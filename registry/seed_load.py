"""Validated bulk load of a data frame into one table, for `registry.seed`.

Every row is validated by its table model's own field rules (each field's type and
constraints: ranges, lengths, patterns, enum codes, not-null). The frame is converted to
Python values column-wise, and its rows, as plain tuples, are validated inside pydantic-core
in one call per chunk, instead of building and dumping one SQLAlchemy-instrumented model
object per row. The validated values are inserted with one ``executemany`` per chunk: on
SQLite as plain tuples converted column-wise by the columns' own SQLAlchemy bind processors,
elsewhere through SQLAlchemy Core. The stored rows are the ones that per-row
``table.model_validate(row).model_dump()`` and an ORM bulk insert stored, except that the
write timestamps are taken once per load rather than once per row
(``tests/services/test_seed.py`` compares them).
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from functools import cache
from itertools import groupby, repeat
from typing import Annotated, Any, cast

import pandas as pd
from pydantic import ConfigDict, TypeAdapter, ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from registry.errors import FieldError, InvalidInput

__all__ = ["CHUNK_ROWS", "clean_value", "load_frame", "python_column", "row_validator"]

CHUNK_ROWS = 50_000
# Value types `clean_value` returns unchanged (apart from "" and NaN): no numpy scalars.
_PLAIN_TYPES = frozenset({type(None), str, int, float, bool, date, datetime, dict, list})
_PYDANTIC_CONFIG_KEYS = frozenset(ConfigDict.__annotations__)
_MAX_REPORTED = 10

Row = tuple[Any, ...]


def clean_value(value: Any) -> Any:
    """CSV and pandas missing values to None; numpy scalars to Python."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes | dict | list):
        return value.item()
    return value


def python_column(series: pd.Series) -> list[Any]:
    """A frame column as the Python values `clean_value` gives, computed column-wise.

    Parameters
    ----------
    series : pandas.Series

    Returns
    -------
    list
        Missing values (None, NaN, NaT, NA) and empty strings as None; numeric and boolean
        columns unboxed to Python scalars; an object column holding anything but plain
        Python values goes through `clean_value` value by value.
    """
    present = series.notna()
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype(object).where(present, None).tolist()
    objects = series.astype(object)
    values = objects.where(present & (objects != ""), None).tolist()
    if set(map(type, values)) <= _PLAIN_TYPES:
        return values
    return [clean_value(v) for v in values]


@cache
def row_validator(table: type[SQLModel], names: tuple[str, ...]) -> TypeAdapter[list[Row]]:
    """A validator of rows given as tuples of the fields `names` of `table`.

    Each tuple item is validated by its field's annotation and constraints (the
    ``FieldInfo.metadata`` pydantic builds the model from), under the model's pydantic
    configuration, so a value passes exactly when it passes as that field of the model.

    Raises
    ------
    TypeError
        If the model has validators or a field has an alias or discriminator: rules
        outside the fields' annotations and constraints that this validator would skip.
    """
    decorators = table.__pydantic_decorators__
    if (decorators.validators or decorators.field_validators or decorators.root_validators
            or decorators.model_validators):
        raise TypeError(f"{table.__name__} has validators; seeding cannot check them column-wise")
    items: list[Any] = []
    for name in names:
        info = table.model_fields[name]
        if info.alias or info.validation_alias or info.discriminator:
            raise TypeError(f"{table.__name__}.{name}: aliases and discriminators unsupported")
        items.append(Annotated[(info.annotation, *info.metadata)] if info.metadata
                     else info.annotation)
    config = {k: v for k, v in table.model_config.items() if k in _PYDANTIC_CONFIG_KEYS}
    row_type: Any = tuple.__class_getitem__(tuple(items))
    return TypeAdapter(list[row_type], config=cast(ConfigDict, config))


def _validate(table: type[SQLModel], names: tuple[str, ...], rows: list[Row],
              first_row: int) -> list[Row]:
    """The validated rows, or `InvalidInput` naming the table, row (1-based) and field."""
    try:
        return row_validator(table, names).validate_python(rows)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False)[:_MAX_REPORTED]:
            index, position = int(error["loc"][0]), int(error["loc"][1])
            errors.append(FieldError(
                field=f"{table.__tablename__}.{names[position]}",
                message=f"{error['msg']} (got {reprlib.repr(error['input'])})",
                row=first_row + index + 1))
        raise InvalidInput(errors) from exc


def _defaults(table: type[SQLModel], names: Sequence[str]) -> dict[str, Any]:
    """Values of the fields the frame lacks, as ``model_dump`` would give them.

    A default factory (the timestamps) is called once per load, so every row of a load
    shares it; an ``id`` defaulting to None is left out for the database to assign.

    Raises
    ------
    InvalidInput
        A required field has no column.
    """
    values: dict[str, Any] = {}
    for name, info in table.model_fields.items():
        if name in names:
            continue
        if info.is_required():
            raise InvalidInput([FieldError(f"{table.__tablename__}.{name}",
                                           "Field required (no such column)", row=1)])
        value = info.get_default(call_default_factory=True)
        if name != "id" or value is not None:
            values[name] = value
    return values


def _id_runs(ids: Sequence[Any]) -> Iterator[tuple[bool, slice]]:
    """Consecutive runs of rows with and without an id, as (has_id, slice)."""
    if None not in ids:
        yield True, slice(0, len(ids))
        return
    start = 0
    for has_id, run in groupby(ids, key=lambda v: v is not None):
        length = sum(1 for _ in run)
        yield has_id, slice(start, start + length)
        start += length


def _chunks(columns: list[list[Any]], length: int) -> Iterator[tuple[int, list[Row]]]:
    """The rows (tuples) of `columns` (each `length` long), `CHUNK_ROWS` at a time, with
    the offset of the first."""
    for start in range(0, length, CHUNK_ROWS):
        yield start, list(zip(*(c[start:start + CHUNK_ROWS] for c in columns), strict=True))


def _processor(table: Table, name: str, connection: Connection) -> Callable[[Any], Any] | None:
    dialect = connection.dialect
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


def _insert(connection: Connection, table: Table, names: list[str],
            columns: Sequence[Sequence[Any]], defaults: dict[str, Any]) -> None:
    """One executemany of the columns (equal lengths) plus the constant `defaults`."""
    keys = names + list(defaults)
    if connection.dialect.name != "sqlite":
        constants = [repeat(v) for v in defaults.values()]
        connection.execute(insert(table), [dict(zip(keys, values, strict=False))
                                           for values in zip(*columns, *constants, strict=False)])
        return
    converted: list[Sequence[Any]] = []
    for name, column in zip(names, columns, strict=True):
        process = _processor(table, name, connection)
        converted.append(column if process is None else list(map(process, column)))
    fixed = []
    for name, value in defaults.items():
        process = _processor(table, name, connection)
        fixed.append(repeat(value if process is None else process(value)))
    quote = connection.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
           f"VALUES ({', '.join('?' for _ in keys)})")
    connection.exec_driver_sql(sql, list(zip(*converted, *fixed, strict=False)))


def load_frame(session: Session, table: type[SQLModel], frame: pd.DataFrame) -> int:
    """Validate every row of `frame` with `table`'s field rules and insert them in chunks.

    Parameters
    ----------
    session : sqlmodel.Session
        The rows are inserted on its connection, in its transaction.
    table : type of SQLModel table model
    frame : pandas.DataFrame
        One row per record; columns that are not fields of `table` are ignored, missing and
        empty values are None, absent fields take their defaults.

    Returns
    -------
    int
        Rows inserted.

    Raises
    ------
    registry.errors.InvalidInput
        A row breaks a field's rule: the errors (the first ten) name the table, the row
        (1-based, in frame order) and the field; every row is validated before the first is
        inserted. Also when a required field, or every field, has no column.
    """
    if len(frame) == 0:
        return 0
    names = tuple(c for c in frame.columns if c in table.model_fields)
    if not names:
        raise InvalidInput.one(str(table.__tablename__), "the data have no column of this table")
    source = [python_column(frame[name]) for name in names]
    defaults = _defaults(table, names)
    sa_table = cast(Table, table.__table__)  # type: ignore[attr-defined]
    connection = session.connection()
    checked = [list(zip(*_validate(table, names, rows, start), strict=True))
               for start, rows in _chunks(source, len(frame))]
    for columns in checked:
        if "id" not in names:
            _insert(connection, sa_table, list(names), columns, defaults)
            continue
        at = names.index("id")
        for has_id, part in _id_runs(columns[at]):
            keep = [i for i in range(len(names)) if has_id or i != at]
            _insert(connection, sa_table, [names[i] for i in keep],
                    [columns[i][part] for i in keep], defaults)
    return len(frame)
