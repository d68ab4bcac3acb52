"""Throw-away databases for the benchmarks: a temporary SQLite file or a PostgreSQL database.

A PostgreSQL benchmark database is created on the server named by ``REGISTRY_BENCH_POSTGRES_URL``
(default :data:`DEFAULT_POSTGRES_URL`) under a fresh random name and dropped afterwards, so runs
never collide and never touch a real registry.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from registry.db import make_engine, migrate
from registry.errors import InvalidInput

__all__ = ["BACKENDS", "DEFAULT_POSTGRES_URL", "POSTGRES_URL_ENV", "fresh_engine",
           "postgres_server_url", "server_version"]

BACKENDS: Final = ("sqlite", "postgresql")
POSTGRES_URL_ENV: Final = "REGISTRY_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL: Final = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str:
    """The PostgreSQL server the benchmarks create their databases on."""
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


@contextmanager
def fresh_engine(backend: str) -> Iterator[Engine]:
    """A migrated, empty database of its own on `backend`; removed when the block ends.

    Parameters
    ----------
    backend : {"sqlite", "postgresql"}

    Yields
    ------
    sqlalchemy.engine.Engine

    Raises
    ------
    registry.errors.InvalidInput
        An unknown backend.
    """
    if backend not in BACKENDS:
        raise InvalidInput.one("backend", f"{backend!r} is not one of {BACKENDS!r}")
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="registry-bench-") as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            try:
                migrate(engine)
                yield engine
            finally:
                engine.dispose()
        return
    server = postgres_server_url()
    name = f"registry_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(make_url(server).set(database=name).render_as_string(False))
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def server_version(engine: Engine) -> str:
    """The database engine's version, e.g. ``"SQLite 3.40.1"`` or ``"PostgreSQL 15.20 ..."``."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return f"SQLite {conn.execute(text('SELECT sqlite_version()')).scalar_one()}"
        return str(conn.execute(text("SELECT version()")).scalar_one())
