"""Columns every table shares: id, timestamps and the optimistic-locking version."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now: every timestamp is stored in UTC (DESIGN.md section 5)."""
    return datetime.now(UTC)


class TableMixin(SQLModel):
    """id, created_at, updated_at, version; mixed into every table model."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False)
    version: int = Field(default=1, nullable=False)


class ReadMixin(SQLModel):
    """The same columns on Read models, all present."""

    id: int
    created_at: datetime
    updated_at: datetime
    version: int


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """Store an enum by its VALUE as VARCHAR (not a native database enum).

    Values are what CSV uploads and exports contain ('B-ALL', not 'b_all'); VARCHAR keeps
    adding a code a data change rather than a PostgreSQL type migration. Pydantic models
    validate codes on the way in.
    """
    return sa.Enum(
        enum_cls,
        values_callable=lambda cls: [member.value for member in cls],
        native_enum=False,
        create_constraint=False,
        length=32,
        validate_strings=True,
    )
