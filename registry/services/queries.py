"""Data queries: raised on a field of a record, answered by its site in a thread, closed by
a data manager. A site sees only the queries on its own records.

The workflow (data managers):

- `raise_query` on a record of `RECORD_TABLES` takes the record's site (`record_site`) and
  refuses a second query on the same ``(table_name, row_id, field)`` while one is open or
  answered;
- the site answers (`answer_query`: open -> answered); a data manager's message in the
  thread leaves the status as it is;
- `set_query_status` closes a query (open or answered; an open one, without the site's
  answer, only with a reason) or re-opens it (answered or closed -> open, with a reason).
  The reason is audited with the change and posted to the thread, so the site reads it;
- `query_ageing` counts the queries per site and how long the unresolved ones have waited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from registry.auth import Actor, require, site_scope
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    DataQuery,
    DataQueryCreate,
    DataQueryMessage,
    DataQueryMessageRead,
    DataQueryRead,
    Death,
    FollowUp,
    Patient,
    Site,
    TreatmentEpisode,
    User,
)
from registry.models.enums import AuditAction, QueryStatus
from registry.services.audit import record_audit
from registry.services.common import apply_update, get_row, insert_audited, parse, text_error

MAX_MESSAGE = 4000
MAX_REASON = 2000  # the audit event's reason column
RECORD_TABLES: dict[str, type[SQLModel]] = {
    "patient": Patient,
    "treatmentepisode": TreatmentEpisode,
    "followup": FollowUp,
    "adverseevent": AdverseEvent,
    "death": Death,
}
"""Tables a data manager raises queries on by hand, by table name."""
_NOT_QUERIED = frozenset({"id", "created_at", "updated_at", "version", "site_id",
                          "identity_hash", "registry_id"})
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), (">90", 91, None))
"""Age buckets of unresolved queries: (label, first day, last day or None), in days."""
UNRESOLVED = (QueryStatus.open, QueryStatus.answered)


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
    """Raise a query on a field of a record (data managers, and rules as the system).

    On a table of `RECORD_TABLES` the record must exist and `field` be one of its columns;
    the query takes the record's site (`site_id` may be left out; given, it must match).

    Raises
    ------
    PermissionDenied
        The actor is not a data manager (or the system).
    InvalidInput
        Bad fields; no record id (``dm.quality.record_id_needed``); an unknown record
        (``dm.quality.unknown_record``) or field
        (``dm.quality.unknown_field``); a site other than the record's
        (``dm.quality.site_mismatch``); an open or answered query on the same table, record
        and field (``dm.quality.duplicate``).
    """
    data = parse(DataQueryCreate, data)
    require(actor, "query:raise")
    site_id = data.site_id
    if data.table_name in RECORD_TABLES and data.row_id is None:
        raise InvalidInput.one("row_id", "give the id of the record the query is about",
                               "dm.quality.record_id_needed")
    if data.table_name in RECORD_TABLES and data.row_id is not None:
        if data.field is not None and data.field not in record_fields(data.table_name):
            raise InvalidInput.one(
                "field", f"{data.table_name} has no field {data.field!r}",
                "dm.quality.unknown_field", table=data.table_name, value=repr(data.field))
        site_id = record_site(session, data.table_name, data.row_id)
        if data.site_id is not None and data.site_id != site_id:
            raise InvalidInput.one(
                "site_id", f"{data.table_name} #{data.row_id} belongs to site #{site_id}, "
                f"not #{data.site_id}", "dm.quality.site_mismatch", table=data.table_name,
                id=data.row_id, site=site_id, given=data.site_id)
    if site_id is not None and session.get(Site, site_id) is None:
        raise InvalidInput.one("site_id", f"unknown site {site_id!r}; choose a registered site",
                               "site.unknown", value=repr(site_id))
    _refuse_duplicate(session, data)
    query = DataQuery.model_validate(data, update={"raised_by_user_id": actor.user_id,
                                                   "site_id": site_id})
    insert_audited(session, actor, query)
    session.commit()
    return DataQueryRead.model_validate(query)


def answer_query(*, session: Session, actor: Actor, query_id: int, body: str) -> DataQueryRead:
    """Add a message to a query's thread; a site's answer marks an open query answered, a
    data manager's message leaves the status as it is."""
    query = get_row(session, DataQuery, query_id, "data query")
    _visible(actor, query)
    problem = None if body is None else text_error("body", body)
    if problem is not None:
        raise InvalidInput([problem])
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
    _post(session, actor, query_id, text)
    if site_scope(actor) is not None and query.status == QueryStatus.open:
        apply_update(session, actor, query, {"status": QueryStatus.answered})
    session.commit()
    return DataQueryRead.model_validate(query)


def set_query_status(
    *, session: Session, actor: Actor, query_id: int, status: QueryStatus, reason: str = ""
) -> DataQueryRead:
    """Close or re-open a query (data managers).

    Closing: an answered query, or an open one (not answered by the site) with a reason.
    Re-opening (``status="open"``): an answered or closed query, with a reason. Only a site's
    answer marks a query answered. The change is audited with the reason, and the reason is
    posted to the query's thread so the site reads why.

    Raises
    ------
    PermissionDenied
        The actor is not a data manager (or the system).
    NotFound
        No query `query_id`.
    InvalidInput
        A transition not listed above (``dm.quality.already_closed``,
        ``dm.quality.already_open``, ``dm.quality.answer_is_the_sites``), a reason missing
        (``dm.quality.close_reason_needed``, ``dm.quality.reopen_reason_needed``) or too long.
    """
    require(actor, "query:raise")
    query = get_row(session, DataQuery, query_id, "data query")
    status = QueryStatus(status)
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidInput.one("reason", f"{len(text)} characters; at most {MAX_REASON}",
                               "query.answer_too_long", n=len(text), max=MAX_REASON)
    if status == QueryStatus.answered:
        raise InvalidInput.one("status", "only the site's answer marks a query answered",
                               "dm.quality.answer_is_the_sites")
    if status == query.status == QueryStatus.closed:
        raise InvalidInput.one("status", "the query is already closed",
                               "dm.quality.already_closed")
    if status == query.status:
        raise InvalidInput.one("status", "the query is already open", "dm.quality.already_open")
    if status == QueryStatus.closed and query.status == QueryStatus.open and not text:
        raise InvalidInput.one("reason", "the site has not answered: give a reason to close",
                               "dm.quality.close_reason_needed")
    if status == QueryStatus.open and not text:
        raise InvalidInput.one("reason", "give a reason to re-open the query",
                               "dm.quality.reopen_reason_needed")
    apply_update(session, actor, query, {"status": status}, reason=text or None)
    if text:
        _post(session, actor, query_id, text)
    session.commit()
    return DataQueryRead.model_validate(query)


def record_site(session: Session, table_name: str, row_id: int) -> int:
    """The site of record `row_id` of `table_name` (one of `RECORD_TABLES`).

    Raises
    ------
    InvalidInput
        An unknown table (``dm.quality.unknown_table``) or record
        (``dm.quality.unknown_record``).

    Examples
    --------
    >>> record_site(session, "followup", 12)  # doctest: +SKIP
    2
    """
    model = RECORD_TABLES.get(table_name)
    if model is None:
        raise InvalidInput.one(
            "table_name", f"queries are raised on {', '.join(RECORD_TABLES)}, not "
            f"{table_name!r}", "dm.quality.unknown_table", value=repr(table_name),
            known=", ".join(RECORD_TABLES))
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    site = session.execute(sa.select(table.c.site_id).where(table.c.id == row_id)).scalar()
    if site is None:
        raise InvalidInput.one("row_id", f"there is no {table_name} #{row_id}",
                               "dm.quality.unknown_record", table=table_name, id=row_id)
    return int(site)


def record_fields(table_name: str) -> tuple[str, ...]:
    """The fields of a `RECORD_TABLES` table a query may name (its clinical columns).

    Examples
    --------
    >>> record_fields("death")
    ('patient_id', 'death_date', 'cause', 'comments')
    """
    model = RECORD_TABLES.get(table_name)
    if model is None:
        raise InvalidInput.one(
            "table_name", f"queries are raised on {', '.join(RECORD_TABLES)}, not "
            f"{table_name!r}", "dm.quality.unknown_table", value=repr(table_name),
            known=", ".join(RECORD_TABLES))
    return tuple(name for name in model.model_fields if name not in _NOT_QUERIED)


def age_bucket(days: int) -> str:
    """The `AGE_BUCKETS` label of an age in days (negative ages count as 0).

    Examples
    --------
    >>> [age_bucket(d) for d in (0, 7, 8, 30, 31, 90, 91)]
    ['0-7', '0-7', '8-30', '8-30', '31-90', '31-90', '>90']
    """
    for label, _, last in AGE_BUCKETS:
        if last is None or days <= last:
            return label
    raise AssertionError("the last bucket is open-ended")  # pragma: no cover


def query_ageing(*, session: Session, actor: Actor, as_of: date) -> pd.DataFrame:
    """Queries per site and how long the unresolved (open or answered) ones have waited.

    A query's age is `as_of` minus the day (UTC) it was raised. Queries raised after
    `as_of` are left out; statuses are the current ones. Every site has a row, in code
    order; queries without a site (identity duplicates, for the data managers) come last
    in a row whose site columns are empty.

    Parameters
    ----------
    as_of : date
        The day ages are counted to (usually today).

    Returns
    -------
    DataFrame
        One row per site: ``site_id``, ``site_code``, ``site_name``, ``open``, ``answered``,
        ``closed``, ``unresolved`` (open + answered), ``median_age_days`` and
        ``max_age_days`` of the unresolved ones (NaN when none), and their counts by age
        ``age_0_7``, ``age_8_30``, ``age_31_90``, ``age_over_90``.

    Raises
    ------
    PermissionDenied
        The actor is not a data manager (or the system).
    """
    require(actor, "query:raise")
    before = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    rows = session.execute(
        sa.select(col(DataQuery.site_id), col(DataQuery.status), col(DataQuery.created_at))
        .where(col(DataQuery.created_at) < before)).all()
    sites = session.execute(
        sa.select(col(Site.id), col(Site.code), col(Site.name)).order_by(col(Site.code))).all()
    queries = pd.DataFrame(
        [(site, QueryStatus(status).value, (as_of - raised.astimezone(UTC).date()).days)
         for site, status, raised in rows], columns=["site_id", "status", "age"])
    table: list[dict[str, Any]] = []
    keys: list[tuple[int | None, str | None, str | None]] = [tuple(s) for s in sites]
    if queries["site_id"].isna().any():
        keys.append((None, None, None))
    for site_id, code, name in keys:
        mine = queries[queries["site_id"].isna()] if site_id is None else (
            queries[queries["site_id"] == site_id])
        ages = mine.loc[mine["status"] != QueryStatus.closed.value, "age"].clip(lower=0)
        row: dict[str, Any] = {"site_id": site_id, "site_code": code, "site_name": name}
        row |= {s.value: int((mine["status"] == s.value).sum()) for s in QueryStatus}
        row["unresolved"] = len(ages)
        row["median_age_days"] = float(np.median(ages)) if len(ages) else float("nan")
        row["max_age_days"] = float(ages.max()) if len(ages) else float("nan")
        for label, first, last in AGE_BUCKETS:
            inside = (ages >= first) if last is None else ((ages >= first) & (ages <= last))
            row[_bucket_column(label)] = int(inside.sum())
        table.append(row)
    return pd.DataFrame(table, columns=AGEING_COLUMNS).astype({"site_id": "Int64"})


def _bucket_column(label: str) -> str:
    return "age_over_90" if label == ">90" else "age_" + label.replace("-", "_")


AGEING_COLUMNS = ["site_id", "site_code", "site_name", "open", "answered", "closed",
                  "unresolved", "median_age_days", "max_age_days",
                  *(_bucket_column(label) for label, _, _ in AGE_BUCKETS)]


def _refuse_duplicate(session: Session, data: DataQueryCreate) -> None:
    """An open or answered query on the same table, record and field refuses a new one."""
    same_field = (col(DataQuery.field).is_(None) if data.field is None
                  else col(DataQuery.field) == data.field)
    same_row = (col(DataQuery.row_id).is_(None) if data.row_id is None
                else col(DataQuery.row_id) == data.row_id)
    existing = session.execute(
        sa.select(col(DataQuery.id)).where(
            col(DataQuery.table_name) == data.table_name, same_row, same_field,
            col(DataQuery.status).in_(UNRESOLVED))
        .order_by(col(DataQuery.id)).limit(1)).scalar()
    if existing is not None:
        raise InvalidInput.one(
            "field", f"query #{existing} on this record and field is still open; add to its "
            "thread instead", "dm.quality.duplicate", id=existing)


def _post(session: Session, actor: Actor, query_id: int, text: str) -> DataQueryMessage:
    """Add an audited message to a query's thread (no commit)."""
    message = DataQueryMessage(query_id=query_id, author_user_id=actor.user_id, body=text)
    session.add(message)
    session.flush()
    record_audit(session, actor, AuditAction.create, "dataquerymessage", message.id,
                 after={"query_id": query_id, "body": text})
    return message


__all__ = [
    "AGE_BUCKETS",
    "RECORD_TABLES",
    "age_bucket",
    "answer_query",
    "list_messages",
    "list_queries",
    "query_ageing",
    "raise_query",
    "record_fields",
    "record_site",
    "set_query_status",
]
