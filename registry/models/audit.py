"""The audit trail: append-only, one event per change of clinical data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from registry.models.base import enum_type, utcnow
from registry.models.enums import AuditAction, Role


class AuditEventBase(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(max_length=64)
    role: Role = Field(sa_type=enum_type(Role))
    action: AuditAction = Field(sa_type=enum_type(AuditAction))
    table_name: str = Field(max_length=64, index=True)
    row_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reason: str | None = Field(default=None, max_length=2000)


class AuditEvent(AuditEventBase, table=True):
    """Who did what to which row, when, from what to what, and why. Never updated."""

    id: int | None = Field(default=None, primary_key=True)


class AuditEventRead(AuditEventBase):
    id: int
