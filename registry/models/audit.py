"""The audit trail: append-only, one event per change of clinical data, hash-chained.

Each event stores the SHA-256 of its predecessor (`prev_hash`) and its own `hash` over
`prev_hash` and its content, so a changed or deleted event breaks the chain
(`registry.services.audit_chain` assigns ids and hashes and verifies them). The one-row
`AuditChainHead` holds the newest id and hash; writers lock it, which orders the chain.
"""

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
    """Who did what to which row, when, from what to what, and why. Never updated.

    `id`, `prev_hash` and `hash` are assigned when the event is flushed (never by hand):
    ids follow the chain, without gaps. The unique `prev_hash` makes a fork (two events
    claiming the same predecessor) impossible at the database level.
    """

    id: int | None = Field(default=None, primary_key=True)
    prev_hash: str | None = Field(default=None, nullable=False, max_length=64, index=True,
                                  unique=True)
    hash: str | None = Field(default=None, nullable=False, max_length=64)


class AuditEventRead(AuditEventBase):
    id: int
    prev_hash: str
    hash: str


class AuditChainHead(SQLModel, table=True):
    """The newest event of the chain (one row, id 1); locked by every audit writer."""

    id: int = Field(primary_key=True)
    last_id: int = Field(nullable=False)
    last_hash: str = Field(max_length=64, nullable=False)
