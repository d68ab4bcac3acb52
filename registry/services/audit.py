"""Append-only audit trail: who, when, action, table, row id, before, after, why."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from registry.auth import Actor, require
from registry.models import AuditEvent, AuditEventRead
from registry.models.enums import AuditAction

# Never copied into the audit trail.
PRIVATE_COLUMNS = frozenset({"password_hash", "identity_hash"})
BOOKKEEPING = frozenset({"created_at", "updated_at", "version"})


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(row: SQLModel) -> dict[str, Any]:
    """A row's clinical content as JSON-ready values, without private or bookkeeping columns."""
    return {
        name: jsonable(getattr(row, name))
        for name in type(row).model_fields
        if name not in PRIVATE_COLUMNS and name not in BOOKKEEPING
    }


def record_audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    table_name: str,
    row_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it commits with the change it records."""
    event = AuditEvent(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        action=action,
        table_name=table_name,
        row_id=row_id,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    return event


def list_audit_events(
    *,
    session: Session,
    actor: Actor,
    table_name: str | None = None,
    row_id: int | None = None,
    limit: int = 500,
) -> list[AuditEventRead]:
    """Audit events, newest first, optionally for one table or row (data managers only)."""
    require(actor, "audit:read")
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if table_name is not None:
        query = query.where(AuditEvent.table_name == table_name)
    if row_id is not None:
        query = query.where(AuditEvent.row_id == row_id)
    return [AuditEventRead.model_validate(e) for e in session.exec(query)]


__all__ = ["list_audit_events", "record_audit", "snapshot"]
