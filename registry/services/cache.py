"""Aggregates cached until the data change.

Every change of registry data appends an audit event in the same transaction (services,
uploads, seeding), so the newest audit event identifies the state of the data: a cached
aggregate is reused while it is unchanged and recomputed after any write. The first audit
event's timestamp is part of the key too, so a database that was emptied and refilled never
meets an aggregate of its earlier life. Entries are per database URL, least recently used
first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session, col

from registry.models import AuditEvent

T = TypeVar("T")
MAX_ENTRIES = 128
_lock = threading.Lock()
_store: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()


def data_version(session: Session) -> tuple[Hashable, ...]:
    """What identifies the current state of the data: newest audit id and first timestamp."""
    newest, first = session.execute(
        select(func.max(col(AuditEvent.id)), func.min(col(AuditEvent.created_at)))
    ).one()
    return (newest or 0, str(first))


def cached(session: Session, name: str, params: tuple[Hashable, ...],
           compute: Callable[[], T]) -> T:
    """`compute()` once per (database, name, params, data version); later calls reuse it.

    Only call this after the caller's permission check: the cache does not know actors.
    """
    bind = session.get_bind()
    key = (bind.engine.url.render_as_string(hide_password=True), name, params,
           data_version(session))
    with _lock:
        if key in _store:
            _store.move_to_end(key)
            return _store[key]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        _store[key] = value
        while len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
    return value


def alongside(session: Session, side: Callable[[Session], T]) -> Callable[[], T]:
    """Start ``side(other_session)`` in a worker thread; the returned function waits for it.

    Dashboards read two independent aggregates (e.g. follow-up completeness and the survival
    data set); both queries are mostly database time, during which the driver releases the
    GIL, so on two cores they overlap. The worker gets its own session on the same engine
    (read-only use). An in-memory SQLite database is private to its connection: there the
    work runs at once, in this thread, on this session.
    """
    engine = session.get_bind().engine
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "",
                                                                            ":memory:"):
        value = side(session)
        return lambda: value

    def run() -> T:
        with Session(engine) as other:
            return side(other)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aggregate")
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future.result


def clear() -> None:
    """Forget every cached aggregate (tests, benchmarks of cold timings)."""
    with _lock:
        _store.clear()
