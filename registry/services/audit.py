"""Append-only audit trail: who, when, action, table, row id, before, after, why.

Events are hash-chained when they are flushed (`registry.services.audit_chain`); this module
records them and lets data managers search and export them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from registry.auth import Actor, require
from registry.errors import InvalidInput
from registry.models import (
    AdverseEvent,
    AuditEvent,
    AuditEventRead,
    Death,
    FollowUp,
    Patient,
    ResourceUse,
    TreatmentEpisode,
)
from registry.models.enums import AuditAction
from registry.services.audit_chain import EVENTS  # also chains every flushed audit event

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
    """Add one audit event to the session; it commits with the change it records.

    Its id, ``prev_hash`` and ``hash`` are assigned when the session flushes, under the
    chain head's lock (`registry.services.audit_chain`).
    """
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


# ---- search and export ------------------------------------------------------------------------

SEARCH_COLUMNS = ("id", "created_at", "username", "role", "action", "table_name", "row_id",
                  "reason", "changes", "before", "after", "hash")
CSV_COLUMNS = ("id", "created_at", "username", "role", "action", "table_name", "row_id",
               "reason", "changes", "hash")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_LIMIT = 10_000


def diff_fields(before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """The fields whose value differs between `before` and `after`, as (field, before, after).

    A field missing on one side counts as None there; fields are in alphabetical order.

    Examples
    --------
    >>> diff_fields({"ecog": 1, "sex": "F"}, {"ecog": 2, "sex": "F", "ldh": 300})
    [('ecog', 1, 2), ('ldh', None, 300)]
    >>> diff_fields(None, {"id": 5})
    [('id', None, 5)]
    """
    old, new = before or {}, after or {}
    return [(name, old.get(name), new.get(name)) for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)]


def _day_start(value: date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def _patient_condition(registry_id: str) -> ColumnElement[bool]:
    """Events on the patient with `registry_id` and on its episodes' rows (one set query)."""
    patients = select(col(Patient.id)).where(col(Patient.registry_id) == registry_id)
    episodes = (select(col(TreatmentEpisode.id))
                .where(col(TreatmentEpisode.patient_id).in_(patients)))
    owned = {
        "patient": patients,
        "treatmentepisode": episodes,
        "manufacturinglot": (select(col(TreatmentEpisode.lot_id))
                             .where(col(TreatmentEpisode.patient_id).in_(patients))),
        "followup": select(col(FollowUp.id)).where(col(FollowUp.episode_id).in_(episodes)),
        "adverseevent": (select(col(AdverseEvent.id))
                         .where(col(AdverseEvent.episode_id).in_(episodes))),
        "resourceuse": (select(col(ResourceUse.id))
                        .where(col(ResourceUse.episode_id).in_(episodes))),
        "death": select(col(Death.id)).where(col(Death.patient_id).in_(patients)),
    }
    return or_(*(and_(EVENTS.c.table_name == table, EVENTS.c.row_id.in_(ids))
                 for table, ids in owned.items()))


def _conditions(username: str | None, registry_id: str | None, table_name: str | None,
                action: AuditAction | str | None, date_from: date | None,
                date_to: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if username is not None:
        where.append(EVENTS.c.username == username.strip().lower())
    if registry_id is not None:
        where.append(_patient_condition(registry_id.strip().upper()) if registry_id.strip()
                     else false())
    if table_name is not None:
        where.append(EVENTS.c.table_name == table_name.strip().lower())
    if action is not None:
        try:
            where.append(EVENTS.c.action == AuditAction(action))
        except ValueError:
            choices = ", ".join(a.value for a in AuditAction)
            raise InvalidInput.one("action", f"{action!r} is not an allowed code; allowed: "
                                   f"{choices}", "pydantic.enum", value=repr(action),
                                   expected=choices) from None
    start = _day_start(date_from) if date_from is not None else None
    end = None
    if date_to is not None:  # a date covers its whole day, to the last microsecond
        end = _day_start(date_to) + (timedelta(0) if isinstance(date_to, datetime)
                                     else timedelta(days=1, microseconds=-1))
    if start is not None and end is not None and start > end:
        raise InvalidInput.one("date_to", f"{date_to} is before the start date ({date_from})",
                               "date.before", value=str(date_to), limit=str(date_from),
                               what="the start date")
    if start is not None:
        where.append(EVENTS.c.created_at >= start)
    if end is not None:
        where.append(EVENTS.c.created_at <= end)
    return where


def search_audit(
    *,
    session: Session,
    actor: Actor,
    username: str | None = None,
    registry_id: str | None = None,
    table_name: str | None = None,
    action: AuditAction | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """Audit events matching every given filter, newest first, with their field differences.

    Parameters
    ----------
    session, actor
        The caller needs ``audit:read`` (data managers, system).
    username : str, optional
        Who acted (exact, case-insensitive).
    registry_id : str, optional
        A patient's registry id (``R-000042``): events on that patient's row and on the rows
        of its treatment episodes, their lots, follow-up forms, adverse events and resource
        use, and its death.
    table_name, action : str, optional
        Exact table (``followup``) and action (``update``).
    date_from, date_to : date, optional
        Inclusive UTC calendar days (a datetime is taken as an instant).
    limit, offset : int
        The page: at most `limit` (1..10,000) events after skipping `offset`.

    Returns
    -------
    (DataFrame, int)
        One row per event with columns id, created_at, username, role, action, table_name,
        row_id, reason, changes (list of (field, before, after)), before, after, hash; and
        the number of matching events over all pages.

    Raises
    ------
    PermissionDenied
        The actor may not read the audit trail.
    InvalidInput
        Unknown action, date_to before date_from, limit or offset out of range.
    """
    require(actor, "audit:read")
    if limit < 1:
        raise InvalidInput.one("limit", f"must be at least 1 (got {limit})",
                               "pydantic.greater_than_equal", ge=1, value=limit)
    if limit > MAX_LIMIT:
        raise InvalidInput.one("limit", f"must be at most {MAX_LIMIT} (got {limit})",
                               "pydantic.less_than_equal", le=MAX_LIMIT, value=limit)
    if offset < 0:
        raise InvalidInput.one("offset", f"must be at least 0 (got {offset})",
                               "pydantic.greater_than_equal", ge=0, value=offset)
    where = _conditions(username, registry_id, table_name, action, date_from, date_to)
    conn = session.connection()
    total = int(conn.execute(core_select(func.count()).select_from(EVENTS).where(*where))
                .scalar_one())
    names = [n for n in SEARCH_COLUMNS if n != "changes"]
    rows = conn.execute(core_select(*(EVENTS.c[n] for n in names)).where(*where)
                        .order_by(EVENTS.c.id.desc()).limit(limit).offset(offset)).all()
    records = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        record["role"] = jsonable(record["role"])
        record["action"] = jsonable(record["action"])
        record["changes"] = diff_fields(record["before"], record["after"])
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(SEARCH_COLUMNS))
    frame["row_id"] = frame["row_id"].astype("Int64")  # ids stay whole numbers beside None
    return frame, total


def _cell(value: Any) -> str:
    """One CSV cell as text, a would-be formula made inert with a leading quote."""
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value)):
        text = ""
    elif isinstance(value, datetime):
        text = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    elif isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _changes_text(changes: Any) -> str:
    if not isinstance(changes, list):
        return ""
    return "; ".join(f"{name}: {_plain(old)} -> {_plain(new)}" for name, old, new in changes)


def _plain(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def audit_csv(rows: pd.DataFrame) -> bytes:
    """The rows of `search_audit` as CSV (UTF-8 with BOM for spreadsheets).

    Every cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote, so a spreadsheet shows it as text instead of running it.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1], "reason": ["=HYPERLINK(1)"]})
    >>> audit_csv(frame).decode("utf-8-sig").splitlines()[1]
    "1,,,,,,,'=HYPERLINK(1),,"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: CRLF rows; cells with CR or LF are quoted
    writer.writerow(CSV_COLUMNS)
    present = [c for c in CSV_COLUMNS if c in rows.columns]
    for record in rows.to_dict("records"):
        cells = {name: record.get(name) for name in present}
        if "changes" in cells:
            cells["changes"] = _changes_text(cells["changes"])
        writer.writerow([_cell(cells.get(name)) for name in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


__all__ = ["audit_csv", "diff_fields", "list_audit_events", "record_audit", "search_audit",
           "snapshot"]
