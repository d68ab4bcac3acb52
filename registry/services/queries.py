"""Data queries: raised on a field of a record, answered by its site in a thread, closed by
a data manager. A site sees only the queries on its own records."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from registry.auth import Actor, require, site_scope
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    DataQuery,
    DataQueryCreate,
    DataQueryMessage,
    DataQueryMessageRead,
    DataQueryRead,
    User,
)
from registry.models.enums import AuditAction, QueryStatus
from registry.services.audit import record_audit
from registry.services.common import apply_update, get_row, insert_audited, parse

MAX_MESSAGE = 4000


def _visible(actor: Actor, query: DataQuery) -> None:
    """A site may see queries on its own records only; others by role."""
    require(actor, "query:read")
    scope = site_scope(actor)
    if scope is not None and query.site_id != scope:
        raise PermissionDenied("This data query belongs to another site.", code="denied.query_site")


def list_queries(
    *, session: Session, actor: Actor, status: QueryStatus | None = None
) -> list[DataQueryRead]:
    """Queries the actor may see, newest first (a site: its own records only)."""
    require(actor, "query:read")
    query = select(DataQuery).order_by(col(DataQuery.id).desc())
    scope = site_scope(actor)
    if scope is not None:
        query = query.where(DataQuery.site_id == scope)
    if status is not None:
        query = query.where(DataQuery.status == status)
    return [DataQueryRead.model_validate(q) for q in session.exec(query)]


def list_messages(*, session: Session, actor: Actor, query_id: int) -> list[DataQueryMessageRead]:
    """The thread of one query, oldest first."""
    query = get_row(session, DataQuery, query_id, "data query")
    _visible(actor, query)
    rows = session.exec(
        select(DataQueryMessage, User.username)
        .join(User, col(User.id) == DataQueryMessage.author_user_id, isouter=True)
        .where(DataQueryMessage.query_id == query_id)
        .order_by(col(DataQueryMessage.id))
    ).all()
    return [
        DataQueryMessageRead(
            id=m.id or 0,
            query_id=m.query_id,
            author_user_id=m.author_user_id,
            author=username or "registry",
            body=m.body,
            created_at=m.created_at,
        )
        for m, username in rows
    ]


def raise_query(
    *, session: Session, actor: Actor, data: DataQueryCreate | dict[str, Any]
) -> DataQueryRead:
    """Raise a query on a field of a record (data managers, and rules as the system)."""
    data = parse(DataQueryCreate, data)
    require(actor, "query:raise")
    query = DataQuery.model_validate(data, update={"raised_by_user_id": actor.user_id})
    insert_audited(session, actor, query)
    session.commit()
    return DataQueryRead.model_validate(query)


def answer_query(*, session: Session, actor: Actor, query_id: int, body: str) -> DataQueryRead:
    """Add a message to a query's thread; a site's answer marks the query answered."""
    query = get_row(session, DataQuery, query_id, "data query")
    _visible(actor, query)
    text = (body or "").strip()
    if not text:
        raise InvalidInput.one("body", "write an answer before sending", "query.answer_empty")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput.one(
            "body",
            f"{len(text)} characters; at most {MAX_MESSAGE}",
            "query.answer_too_long",
            n=len(text),
            max=MAX_MESSAGE,
        )
    if query.status == QueryStatus.closed:
        raise InvalidInput.one(
            "status", "this query is closed; ask a data manager to re-open it", "query.is_closed"
        )
    message = DataQueryMessage(query_id=query_id, author_user_id=actor.user_id, body=text)
    session.add(message)
    session.flush()
    record_audit(
        session,
        actor,
        AuditAction.create,
        "dataquerymessage",
        message.id,
        after={"query_id": query_id, "body": text},
    )
    if site_scope(actor) is not None and query.status == QueryStatus.open:
        apply_update(session, actor, query, {"status": QueryStatus.answered})
    session.commit()
    return DataQueryRead.model_validate(query)


def set_query_status(
    *, session: Session, actor: Actor, query_id: int, status: QueryStatus, reason: str
) -> DataQueryRead:
    """Close or re-open a query (data managers)."""
    require(actor, "query:raise")
    query = get_row(session, DataQuery, query_id, "data query")
    apply_update(session, actor, query, {"status": status}, reason=reason or None)
    session.commit()
    return DataQueryRead.model_validate(query)


__all__ = ["answer_query", "list_messages", "list_queries", "raise_query", "set_query_status"]
