"""Backup and restore of the registry database, each checked against a manifest.

``python -m registry backup PATH`` writes the backup file and ``PATH.manifest.json`` beside it
(`registry.backup_manifest`: row counts and a backend-independent content hash per table, the
schema revision, the file's checksum and the audit chain's state). ``python -m registry restore
PATH`` checks the file against its manifest, restores it, recomputes the digests on the
restored database and reports every table that differs.

- SQLite: the online backup API of `sqlite3` (a consistent copy while the portal runs) into a
  self-contained file (rollback journal, not WAL); restored with the same API.
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --single-transaction`` (a failed restore changes nothing). The dump runs on a snapshot
  exported by the transaction that computes the manifest, so the two describe the same data.
  The connection comes from the engine's URL; its password goes in ``PGPASSWORD``, never on
  the command line.

A restore refuses a target that already holds data unless forced: it replaces everything.
The HMAC key of the identity hashes is not in the database and so not in a backup: it is
kept apart on purpose (DESIGN.md section 8) and must be backed up separately.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, Engine, create_engine

from registry.backup_manifest import (
    Manifest,
    VerifyReport,
    audit_check,
    data_rows,
    manifest_path,
    read_manifest,
    schema_revision,
    table_digests,
    verify_database,
)
from registry.errors import InvalidInput, RegistryError

BACKENDS = ("sqlite", "postgresql")


def backend_of(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``.

    Raises
    ------
    InvalidInput
        Another backend.
    """
    name = engine.dialect.name
    if name not in BACKENDS:
        raise InvalidInput.one("engine", f"backups support SQLite and PostgreSQL, not {name!r}",
                               "backup.unsupported", backend=name)
    return name


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InvalidInput.one(
            "engine", f"SQLite database {database!r} is not a plain file; back up and restore "
            "a file database (sqlite:///path/registry.db)", "backup.memory_database",
            database=repr(database))
    return Path(database)


def _read_only(path: Path) -> Engine:
    """An engine on a SQLite file opened read-only (the file stays exactly as it is)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _new_file(path: Path) -> Path:
    """A fresh, empty temporary file beside `path`, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return tmp


# ---- PostgreSQL client tools ------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                   else None)
    if found is None:
        raise RegistryError(f"{name} not found; install the PostgreSQL client tools of the "
                            "server's major version (Debian: postgresql-client)",
                            code="backup.tool_missing", tool=name)
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The engine's database as a libpq URI without password, and the environment to run in."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database, query=url.query)  # no password: it shows in `ps`
    return bare.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        detail = done.stderr.strip().splitlines()[-5:] or ["(no message)"]
        raise RegistryError(f"{tool} failed (exit code {done.returncode}): "
                            + " | ".join(detail), code="backup.tool_failed", tool=tool,
                            exit_code=done.returncode, detail=" | ".join(detail))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A repeatable-read transaction on PostgreSQL and the id of its exported snapshot."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            yield conn, snapshot


# ---- backup -----------------------------------------------------------------------------------


def backup_database(engine: Engine, path: Path) -> Manifest:
    """Back up the database behind `engine` into the new file `path`, with its manifest.

    The file is written under a temporary name (mode 0600) and renamed when complete, so a
    file at `path` is always a whole backup; then ``<path>.manifest.json`` is written.

    Parameters
    ----------
    engine : Engine
        The database to back up (SQLite file or PostgreSQL); it stays in use meanwhile.
    path : Path
        The backup file to create; it must not exist yet.

    Returns
    -------
    Manifest
        What was written into the manifest (row counts, content hashes, audit chain).

    Raises
    ------
    InvalidInput
        `path` or its manifest exists already, or the backend is not supported.
    RegistryError
        ``pg_dump`` is missing or failed.
    """
    path = Path(path)
    backend = backend_of(engine)
    for target in (path, manifest_path(path)):
        if target.exists():
            raise InvalidInput.one(
                "path", f"{str(target)!r} exists already; choose a new file name (a backup "
                "never overwrites another)", "backup.exists", path=str(target))
    tmp = _new_file(path)
    taken = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if backend == "sqlite":
            _copy_sqlite(_sqlite_file(engine), tmp, source_engine=engine)
            reader = _read_only(tmp)
            try:
                with reader.connect() as conn, conn.begin():
                    revision, digests = schema_revision(conn), table_digests(conn)
                    chain = audit_check(conn)
            finally:
                reader.dispose()
        else:
            uri, env = _libpq(engine)
            with _snapshot(engine) as (conn, snapshot):
                _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                      f"--file={tmp}", f"--dbname={uri}"], env)
                revision, digests = schema_revision(conn), table_digests(conn)
                chain = audit_check(conn)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    manifest = Manifest(backend=backend, schema_revision=revision, tables=digests,
                        audit_chain=chain, file_sha256=file_sha256(path),
                        file_bytes=path.stat().st_size, created_at=taken)
    target = manifest_path(path)
    target.write_text(manifest.to_json(), "utf-8")
    target.chmod(0o600)
    return manifest


def _copy_sqlite(source: Path, target: Path, *, source_engine: Engine | None = None) -> None:
    """Copy one SQLite database into another with the online backup API.

    The copy is consistent even while others write to `source`; the target ends with a
    rollback journal, so it is one self-contained file.
    """
    if source_engine is not None:
        raw = source_engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            with closing(sqlite3.connect(target)) as out:
                driver.backup(out)
                out.execute("PRAGMA journal_mode=DELETE")
        finally:
            raw.close()
        return
    uri = f"file:{quote(str(source.resolve()))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as src, closing(sqlite3.connect(target)) as out:
        src.backup(out)


# ---- restore ----------------------------------------------------------------------------------


def restore_database(engine: Engine, path: Path, *, force: bool = False) -> VerifyReport:
    """Restore the backup `path` into the database behind `engine`, then verify it.

    Before anything is changed: the manifest must be there, the backup file must match its
    checksum, the backends must agree, and the target must hold no data unless `force`.

    Parameters
    ----------
    engine : Engine
        The target database (SQLite file or PostgreSQL database); its pooled connections
        are closed. An empty, migrated database counts as empty.
    path : Path
        A backup written by `backup_database`, with its manifest beside it.
    force : bool
        Replace a target that holds data. Everything in it is lost.

    Returns
    -------
    VerifyReport
        The restored database compared with the manifest, table by table, and its audit
        chain; ``ok`` when all match.

    Raises
    ------
    InvalidInput
        No backup or manifest, a damaged backup file, or another backend.
    RegistryError
        The target holds data and `force` is False (code ``backup.not_empty``), or
        ``pg_restore`` is missing or failed (the target is then unchanged).
    """
    path = Path(path)
    backend = backend_of(engine)
    if not path.is_file():
        raise InvalidInput.one("path", f"no backup file {str(path)!r}; give the path the "
                               "backup was written to", "backup.not_found", path=str(path))
    manifest = read_manifest(path)
    if manifest.backend != backend:
        raise InvalidInput.one(
            "path", f"the backup is of a {manifest.backend} database but the target is "
            f"{backend}; restore into a {manifest.backend} database", "backup.backend_mismatch",
            backup=manifest.backend, target=backend)
    if file_sha256(path) != manifest.file_sha256:
        raise InvalidInput.one(
            "path", f"{str(path)!r} does not match the checksum in its manifest: the file is "
            "damaged or was changed; use another backup", "backup.file_altered", path=str(path))
    with engine.connect() as conn:
        held = data_rows(conn)
    if held and not force:
        raise RegistryError(
            f"the target database holds data ({sum(held.values())} rows in {len(held)} "
            "tables); restore into an empty database, or force the restore to replace "
            "everything in it",
            code="backup.not_empty", rows=sum(held.values()), tables=len(held))
    engine.dispose()
    if backend == "sqlite":
        _copy_sqlite(path, _sqlite_file(engine))
    else:
        uri, env = _libpq(engine)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(path)], env)
    engine.dispose()
    return verify_database(engine, manifest)


# ---- command line -----------------------------------------------------------------------------


def backup_cli(engine: Engine, path: str | Path, out: TextIO | None = None,
               err: TextIO | None = None) -> int:
    """`python -m registry backup PATH`: back up, print what was written.

    Returns
    -------
    int
        0 written and the audit chain intact (or none yet); 1 written but the audit chain is
        broken (the backup keeps the evidence); 2 nothing written.
    """
    out, err = out or sys.stdout, err or sys.stderr
    try:
        manifest = backup_database(engine, Path(path))
    except RegistryError as exc:
        err.write(f"error: backup not written: {exc}\n")
        return 2
    out.write(f"Backed up the {manifest.backend} database (schema {manifest.schema_revision}, "
              f"{len(manifest.tables)} tables, {manifest.total_rows} rows) to {path} "
              f"({manifest.file_bytes} bytes).\n"
              f"Manifest: {manifest_path(Path(path))}\n"
              "The HMAC key of the identity hashes is not in the backup: keep a copy of it "
              "(REGISTRY_HMAC_KEY or <data dir>/secrets/hmac.key) apart from the backup.\n")
    chain = manifest.audit_chain
    if chain is None:
        return 0
    out.write(f"Audit chain: {chain.message}\n")
    if not chain.ok:
        err.write("warning: the audit chain of the backed-up data is broken (see above)\n")
        return 1
    return 0


def restore_cli(engine: Engine, path: str | Path, *, force: bool, out: TextIO | None = None,
                err: TextIO | None = None) -> int:
    """`python -m registry restore PATH [--force]`: restore, verify, print the comparison.

    Returns
    -------
    int
        0 restored and every table matches its manifest (audit chain intact); 1 restored but
        verification found differences (listed by table) or a broken audit chain; 2 refused
        or failed, the target unchanged.
    """
    out, err = out or sys.stdout, err or sys.stderr
    try:
        report = restore_database(engine, Path(path), force=force)
    except RegistryError as exc:
        hint = " (--force)" if exc.code == "backup.not_empty" else ""
        err.write(f"error: nothing restored: {exc}{hint}\n")
        return 2
    out.write(f"Restored {path}.\n{report.message}\n")
    if not report.ok:
        err.write("error: verification failed: the restored database does not match the "
                  "backup's manifest, or its audit chain is broken (see above)\n")
        return 1
    return 0


__all__ = [
    "backend_of",
    "backup_cli",
    "backup_database",
    "file_sha256",
    "restore_cli",
    "restore_database",
]
