"""The audit trail as a hash chain: assigning ids and hashes, and verifying them.

Every audit event stores ``prev_hash`` (its predecessor's hash; 64 zeros for the first)
and ``hash = SHA-256(prev_hash || canonical JSON of its content)``, where the content is
the id, the creation time (UTC ISO with microseconds), user, role, action, table, row id,
before, after and reason. Changing an event's content, or deleting one, breaks the chain;
`verify_audit_chain` finds the first place where it breaks.

Ordering under concurrency. Ids and hashes are assigned inside the writing transaction,
just before the events are inserted, while holding the one row of `AuditChainHead`
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite a write to it first, which takes the
database's single writer lock). Ids are the head's ``last_id + 1, + 2, ...`` (not the id
sequence), so the chain runs in id order without gaps or forks however transactions
interleave, and a rolled-back transaction rolls the head back with its events. Every ORM
flush that holds new `AuditEvent` objects does this (a ``before_flush`` listener on all
sessions, registered on import of this module), and bulk writers call
`insert_audit_events`. The cost: audit writers serialise on the head row from their first
audit flush until they commit (services flush the audit event last, at commit, so the lock
is held for the final flush and the commit only). Two transactions that lock the head and
other rows in opposite orders can deadlock; PostgreSQL then aborts one of them (an error,
never a broken chain). The unique index on ``prev_hash`` refuses a fork even if a writer
bypassed the head.

The chain shows tampering by anyone without the means to recompute it; someone who can
rewrite every hash and the head can rewrite history. Anchor it outside the database by
recording ``verify_audit_chain(...)`` results (the head hash) somewhere else.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, SQLModel

from registry.errors import InvalidInput
from registry.models import AuditEvent
from registry.models.audit import AuditChainHead

GENESIS = "0" * 64
HEAD_ID = 1
EVENTS: Table = SQLModel.metadata.tables[str(AuditEvent.__tablename__)]
HEAD: Table = SQLModel.metadata.tables[str(AuditChainHead.__tablename__)]
CONTENT_FIELDS = ("id", "created_at", "user_id", "username", "role", "action", "table_name",
                  "row_id", "before", "after", "reason")


# ---- hashing ----------------------------------------------------------------------------------


def _utc_iso(value: datetime) -> str:
    """UTC ISO 8601 with microseconds; naive values are taken as UTC (SQLite stores them so)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_content(content: Mapping[str, Any]) -> str:
    """The canonical JSON of an event's content fields: sorted keys, no spaces.

    `before` and `after` go through a JSON round trip first, so the text is the same for
    the values written and for the values read back from SQLite or PostgreSQL (tuples
    become lists, keys become strings). Enums are written by value.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> text = canonical_content({"id": 1, "created_at": datetime(2026, 1, 2, tzinfo=UTC),
    ...                           "user_id": None, "username": "dm", "role": "data_manager",
    ...                           "action": "update", "table_name": "patient", "row_id": 7,
    ...                           "before": {"b": 1, "a": (2,)}, "after": None, "reason": None})
    >>> text[:57]
    '{"action":"update","after":null,"before":{"a":[2],"b":1},'
    >>> text[57:104]
    '"created_at":"2026-01-02T00:00:00.000000+00:00"'
    """
    missing = [name for name in CONTENT_FIELDS if name not in content]
    if missing:
        raise InvalidInput.one("content", f"audit content lacks {missing}; give every field "
                               f"of {CONTENT_FIELDS}", "pydantic.value_error",
                               value=repr(sorted(missing)))
    created = content["created_at"]
    data = {
        "id": int(content["id"]),
        "created_at": _utc_iso(created) if isinstance(created, datetime) else str(created),
        "user_id": content["user_id"],
        "username": content["username"],
        "role": str(getattr(content["role"], "value", content["role"])),
        "action": str(getattr(content["action"], "value", content["action"])),
        "table_name": content["table_name"],
        "row_id": content["row_id"],
        "before": json.loads(json.dumps(content["before"])),
        "after": json.loads(json.dumps(content["after"])),
        "reason": content["reason"],
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of `prev_hash` followed by the canonical JSON of `content`."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical_content(content).encode("utf-8"))
    return digest.hexdigest()


# ---- writing ----------------------------------------------------------------------------------


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain head for this transaction and return (last id, last hash)."""
    touch = update(HEAD).where(HEAD.c.id == HEAD_ID).values(last_id=HEAD.c.last_id)
    head = (select(HEAD.c.last_id, HEAD.c.last_hash).where(HEAD.c.id == HEAD_ID)
            .with_for_update())
    if conn.dialect.name == "sqlite":
        conn.execute(touch)  # SQLite has no row locks: take the writer lock before reading
    row = conn.execute(head).first()
    if row is None:  # an emptied database: start from the newest event, if any
        last = conn.execute(select(EVENTS.c.id, EVENTS.c.hash)
                            .order_by(EVENTS.c.id.desc()).limit(1)).first()
        values = {"id": HEAD_ID, "last_id": last[0] if last else 0,
                  "last_hash": last[1] if last else GENESIS}
        if conn.dialect.name == "postgresql":
            conn.execute(pg_insert(HEAD).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sqlite_insert(HEAD).values(values).on_conflict_do_nothing())
        row = conn.execute(head).one()
    return int(row[0]), str(row[1])


def _chain(conn: Connection, contents: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, str]]:
    """(id, prev_hash, hash) for events about to be inserted, in order; advances the head."""
    last_id, last_hash = _lock_head(conn)
    links: list[tuple[int, str, str]] = []
    for offset, content in enumerate(contents, start=1):
        event_id = last_id + offset
        digest = event_hash(last_hash, {**content, "id": event_id})
        links.append((event_id, last_hash, digest))
        last_hash = digest
    conn.execute(update(HEAD).where(HEAD.c.id == HEAD_ID)
                 .values(last_id=last_id + len(contents), last_hash=last_hash))
    return links


def _chain_pending_events(session: OrmSession, _context: UOWTransaction,
                          _instances: object) -> None:
    """before_flush: give the session's new audit events their ids and hashes."""
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not pending:
        return
    contents = [{name: getattr(obj, name) for name in CONTENT_FIELDS} for obj in pending]
    for obj, (event_id, prev, digest) in zip(
        pending, _chain(session.connection(), contents), strict=True
    ):
        obj.id, obj.prev_hash, obj.hash = event_id, prev, digest


if not event.contains(OrmSession, "before_flush", _chain_pending_events):
    event.listen(OrmSession, "before_flush", _chain_pending_events)


def insert_audit_events(session: Session, events: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert many audit events at once, chained; returns their ids (no commit).

    Parameters
    ----------
    session : Session
        The writing transaction; the events commit (or roll back) with it.
    events : sequence of mappings
        Each with every content field but ``id`` (created_at, user_id, username, role,
        action, table_name, row_id, before, after, reason).

    Returns
    -------
    list of int
        The ids given to the events, in order.
    """
    if not events:
        return []
    session.flush()  # pending ORM events are chained first
    links = _chain(session.connection(), [{**e, "id": 0} for e in events])
    rows = [{**e, "id": event_id, "prev_hash": prev, "hash": digest}
            for e, (event_id, prev, digest) in zip(events, links, strict=True)]
    session.connection().execute(insert(EVENTS), rows)
    return [link[0] for link in links]


# ---- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the audit chain.

    `kind` is "" when intact, else "altered" (content does not match the stored hash),
    "broken_link" (prev_hash is not the previous event's hash: an event was deleted or
    rewritten; `missing` is the id range that is absent, if ids jump), "head_mismatch"
    (the newest events were deleted or replaced), "head_missing" or "beyond_head" (events
    after the head that no writer recorded there).
    """

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    kind: str = ""
    missing: tuple[int, int] | None = None
    last_id: int = 0
    last_hash: str = GENESIS

    @property
    def message(self) -> str:
        if self.ok:
            return (f"audit chain intact: {self.checked} events verified; "
                    f"head at event {self.last_id}, hash {self.last_hash}")
        return (f"AUDIT CHAIN BROKEN at event {self.first_broken_id} ({self.kind}): "
                f"{self.reason}; {self.checked} events verified before it")


def _read_head(session: Session) -> tuple[int, str] | None:
    row = session.connection().execute(
        select(HEAD.c.last_id, HEAD.c.last_hash).where(HEAD.c.id == HEAD_ID)).first()
    return (int(row[0]), str(row[1])) if row else None


def verify_audit_chain(session: Session, *, chunk_size: int = 5000) -> ChainReport:
    """Recompute the chain in id order, `chunk_size` events at a time.

    The head is read first and events up to its id are checked, so events committed
    while this runs do not count as tampering.

    Parameters
    ----------
    session : Session
        Any session on the database (read only).
    chunk_size : int
        Events read per query; memory stays bounded by it.

    Returns
    -------
    ChainReport
        ``ok`` and the number of events checked, or the first broken event and why.
    """
    if chunk_size < 1:
        raise InvalidInput.one("chunk_size", f"must be at least 1 (got {chunk_size})",
                               "pydantic.greater_than_equal", ge=1, value=chunk_size)
    head = _read_head(session)
    columns = [EVENTS.c[name] for name in CONTENT_FIELDS]
    prev_id, prev_hash, checked = 0, GENESIS, 0
    while True:
        query = (select(*columns, EVENTS.c.prev_hash, EVENTS.c.hash)
                 .where(EVENTS.c.id > prev_id).order_by(EVENTS.c.id).limit(chunk_size))
        if head is not None:
            query = query.where(EVENTS.c.id <= head[0])
        rows = session.connection().execute(query).all()
        for row in rows:
            content = dict(zip(CONTENT_FIELDS, row[:len(CONTENT_FIELDS)], strict=True))
            event_id, stored_prev, stored = int(content["id"]), row[-2], row[-1]
            if stored_prev != prev_hash:
                gap = (prev_id + 1, event_id - 1) if event_id > prev_id + 1 else None
                where = (f"events {gap[0]}..{gap[1]} are missing" if gap
                         else f"event {prev_id}'s hash was rewritten or the events reordered")
                return ChainReport(False, checked, event_id, f"broken link: {where}",
                                   "broken_link", gap, prev_id, prev_hash)
            if event_hash(stored_prev, content) != stored:
                return ChainReport(False, checked, event_id,
                                   "altered: its content does not match its hash",
                                   "altered", None, prev_id, prev_hash)
            prev_id, prev_hash, checked = event_id, stored, checked + 1
        if len(rows) < chunk_size:
            break
    if head is None:
        if checked:
            return ChainReport(False, checked, prev_id, "head missing: the chain head row "
                               "was deleted", "head_missing", None, prev_id, prev_hash)
        return ChainReport(True, 0)
    if (prev_id, prev_hash) != head:
        if prev_id < head[0]:
            gap = (prev_id + 1, head[0])
            return ChainReport(False, checked, gap[0], f"head mismatch: the head records event "
                               f"{head[0]} but the chain ends at {prev_id}: events "
                               f"{gap[0]}..{gap[1]} were deleted", "head_mismatch", gap,
                               prev_id, prev_hash)
        return ChainReport(False, checked, prev_id, "head mismatch: the newest event's hash "
                           "differs from the head's", "head_mismatch", None, prev_id, prev_hash)
    beyond = session.connection().execute(
        select(EVENTS.c.id).where(EVENTS.c.id > head[0]).order_by(EVENTS.c.id).limit(1)).first()
    if beyond is not None and _read_head(session) == head:
        return ChainReport(False, checked, int(beyond[0]), "events after the head that no "
                           "audit writer recorded", "beyond_head", None, prev_id, prev_hash)
    return ChainReport(True, checked, last_id=prev_id, last_hash=prev_hash)


def verify_audit_cli(engine: Engine, out: TextIO | None = None) -> int:
    """`python -m registry verify-audit`: print the chain report; exit code 0 intact, 1 not."""
    with Session(engine) as session:
        report = verify_audit_chain(session)
    (out or sys.stdout).write(report.message + "\n")
    return 0 if report.ok else 1


__all__ = [
    "GENESIS",
    "ChainReport",
    "canonical_content",
    "event_hash",
    "insert_audit_events",
    "verify_audit_chain",
    "verify_audit_cli",
]
