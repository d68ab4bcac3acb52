"""Data queries: a question on a field of a record, answered by its site in a thread."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type, utcnow
from registry.models.enums import QueryStatus


class DataQueryBase(SQLModel):
    table_name: str = Field(max_length=64)
    row_id: int | None = None
    field: str | None = Field(default=None, max_length=64)
    message: str = Field(min_length=1, max_length=2000)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)


class DataQuery(TableMixin, DataQueryBase, table=True):
    """Raised by a rule or a data manager; open -> answered -> closed (or re-opened)."""

    status: QueryStatus = Field(
        sa_type=enum_type(QueryStatus), default=QueryStatus.open, index=True
    )
    raised_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    rule_id: str | None = Field(default=None, max_length=32)


class DataQueryCreate(DataQueryBase):
    rule_id: str | None = None


class DataQueryRead(ReadMixin, DataQueryBase):
    status: QueryStatus = Field(sa_type=enum_type(QueryStatus))
    raised_by_user_id: int | None
    rule_id: str | None


class DataQueryMessage(SQLModel, table=True):
    """One message in a query's thread."""

    id: int | None = Field(default=None, primary_key=True)
    query_id: int = Field(foreign_key="dataquery.id", index=True)
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = Field(min_length=1, max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)


class DataQueryMessageRead(SQLModel):
    """One message of a query's thread, with its author's username."""

    id: int
    query_id: int
    author_user_id: int | None
    author: str
    body: str
    created_at: datetime
