"""Engine, sessions and migrations. The schema is created and upgraded by Alembic on start."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from registry.errors import InvalidInput

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")
# SQLite: another connection holds the write lock beyond the busy timeout.
LOCKED_MESSAGES = ("database is locked", "database table is locked")
# PostgreSQL: serialization failure and deadlock; the server rolled the transaction back.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout.

    PostgreSQL URLs given as `postgresql://` use psycopg 3.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(parsed, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` with Alembic."""
    command.upgrade(alembic_config(engine), revision)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session per unit of work; rolled back on error, closed always.

    Services commit themselves; this only guarantees that nothing half-done survives.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_transient(exc: BaseException) -> bool:
    """True when `exc` is a database error that running the same transaction again may cure:
    SQLite's "database is locked", a PostgreSQL serialization failure or deadlock.

    Examples
    --------
    >>> import sqlite3
    >>> is_transient(OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked")))
    True
    >>> is_transient(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    False
    """
    if not isinstance(exc, OperationalError):
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return any(message in str(original) for message in LOCKED_MESSAGES)


def retrying(
    session: Session,
    call: Callable[[], T],
    *,
    attempts: int = 5,
    wait: float = 0.05,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run one service call on `session`, again after a transient database error.

    A service validates, writes and commits once, so a call that failed with "database is
    locked" (SQLite writers beyond the busy timeout) or a PostgreSQL deadlock or
    serialization failure wrote nothing: the session is rolled back and the whole call,
    validation included, runs again, after `wait`, then twice as long each time. Any other
    error (`Conflict`, `InvalidInput`, `PermissionDenied`, other database errors) is raised
    at once, as is the last transient one.

    Parameters
    ----------
    session : Session
        The session `call` uses; rolled back before each new attempt.
    call : callable
        One service call, e.g. ``lambda: submit_followup(session=s, actor=a, data=d)``.
    attempts : int
        How many times to try in all (at least 1).
    wait : float
        Seconds before the first retry; doubled after each.
    on_retry : callable, optional
        Called before each retry (to count or log them).

    Returns
    -------
    The result of `call`.

    Raises
    ------
    InvalidInput
        `attempts` below 1 or `wait` negative.

    Notes
    -----
    SQLite writers rarely get here: the driver opens a transaction only at the first write
    (reads before it run in autocommit), so a writer never holds a stale read snapshot and the
    busy timeout of `make_engine` (30 s) makes it wait its turn for the single write lock.
    Twenty concurrent writers in tests/services/test_concurrency.py needed no retry.

    Examples
    --------
    >>> from sqlmodel import create_engine
    >>> with Session(create_engine("sqlite://")) as session:
    ...     retrying(session, lambda: 42)
    42
    """
    if attempts < 1:
        raise InvalidInput.one("attempts", f"{attempts} is below 1; try at least once",
                               "pydantic.greater_than_equal", ge=1, value=repr(attempts))
    if wait < 0:
        raise InvalidInput.one("wait", f"{wait} seconds is negative; give 0 or more",
                               "pydantic.greater_than_equal", ge=0, value=repr(wait))
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except OperationalError as exc:
            session.rollback()
            if attempt == attempts or not is_transient(exc):
                raise
        if on_retry is not None:
            on_retry()
        time.sleep(wait * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover
